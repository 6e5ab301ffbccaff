"""House style checks that need no BPF: formatting, and the help text matching the README."""
import glob
import os
import re
import subprocess

from harness import HOSTPROF, ROOT


def test_sources_are_clang_formatted():
    files = [f for pat in ("bpf/*.[ch]", "userspace/*.[ch]", "userspace/*/*.[ch]", "unwinders/*.[ch]",
                           "unwinders/*/*.[ch]", "tests/unit/*.[ch]", "tests/workloads/*.c")
             for f in glob.glob(os.path.join(ROOT, pat))]
    p = subprocess.run(["clang-format", "--dry-run", "-Werror"] + files, capture_output=True,
                       text=True)
    bad = sorted(set(re.findall(r"^(\S+?):\d+:\d+: error", p.stderr, re.M)))
    assert p.returncode == 0, "not formatted (make format): %s" % ", ".join(
        os.path.relpath(b, ROOT) for b in bad)


def test_readme_documents_every_option():
    help_text = subprocess.run([HOSTPROF, "--help"], capture_output=True, text=True).stdout
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    options = set(re.findall(r"--[a-z][a-z-]+", help_text))
    missing = sorted(o for o in options if o not in readme)
    assert not missing, "options in --help but not in README.md: %s" % missing
