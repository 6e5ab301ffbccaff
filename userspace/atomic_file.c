// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_file.h"

int hp_atomic_open(struct hp_atomic_file *af, const char *path)
{
	size_t len = strlen(path);
	int fd;

	memset(af, 0, sizeof(*af));
	af->path = strdup(path);
	af->tmp = malloc(len + sizeof(".tmp.XXXXXX"));
	if (!af->path || !af->tmp) {
		hp_atomic_abort(af);
		return -ENOMEM;
	}
	memcpy(af->tmp, path, len);
	memcpy(af->tmp + len, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	fd = mkstemp(af->tmp);
	if (fd < 0) {
		int err = -errno;

		free(af->tmp);
		af->tmp = NULL;
		hp_atomic_abort(af);
		return err;
	}
	af->f = fdopen(fd, "w");
	if (!af->f) {
		int err = -errno;

		close(fd);
		hp_atomic_abort(af);
		return err;
	}
	return 0;
}

int hp_atomic_commit(struct hp_atomic_file *af)
{
	int err = 0;

	if (fflush(af->f) || ferror(af->f) || fsync(fileno(af->f)))
		err = errno ? -errno : -EIO;
	if (fclose(af->f) && !err)
		err = -errno;
	af->f = NULL;
	/* mkstemp creates 0600; profiles are as readable as any file we write */
	if (!err && chmod(af->tmp, 0644))
		err = -errno;
	if (!err && rename(af->tmp, af->path))
		err = -errno;
	if (err)
		hp_atomic_abort(af);
	else {
		free(af->tmp);
		free(af->path);
		af->tmp = af->path = NULL;
	}
	return err;
}

void hp_atomic_abort(struct hp_atomic_file *af)
{
	if (af->f)
		fclose(af->f);
	if (af->tmp)
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
}

int hp_atomic_finish(struct hp_atomic_file *af, int err)
{
	if (err) {
		hp_atomic_abort(af);
		return err;
	}
	return hp_atomic_commit(af);
}

int hp_atomic_write_buf(const char *path, const void *buf, size_t len)
{
	struct hp_atomic_file af;
	int err = hp_atomic_open(&af, path);

	if (err)
		return err;
	return hp_atomic_finish(&af, fwrite(buf, 1, len, af.f) == len ? 0 : -EIO);
}
