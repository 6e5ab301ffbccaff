"""Helpers for integration tests: build workloads, run hostprof, read its output."""
import gzip
import json
import os
import re
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTPROF = os.path.join(ROOT, "hostprof")
HOSTPROF_ASAN = os.path.join(ROOT, "build", "hostprof-asan")
WORKLOADS = os.path.join(ROOT, "tests", "workloads")
BUILD = os.path.join(ROOT, "build", "workloads")
SHARED = os.path.join(os.path.dirname(ROOT), "shared")

# Frame pointers everywhere, leaf functions too, no inlining or sibling calls:
# the call chain in the source is the one on the stack. Built with clang: gcc 12
# drops the frame setup of leaf functions even with -mno-omit-leaf-frame-pointer.
FP_FLAGS = ["-O1", "-g", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer",
            "-fno-optimize-sibling-calls", "-fno-inline"]

_built = {}


# How Debian builds its packages: gcc, optimised, no frame pointers.
NOFP_FLAGS = ["-O2", "-g", "-fomit-frame-pointer"]


def build(name, flags=None, out_name=None, cc=None, libs=()):
    """Compiles tests/workloads/<name> (once per flag set); returns the binary path.
    Frame-pointer builds use clang (see FP_FLAGS); others gcc, as distributions do."""
    flags = FP_FLAGS if flags is None else flags
    out_name = out_name or os.path.splitext(name)[0]
    key = (name, tuple(flags), out_name, cc, tuple(libs))
    if key in _built:
        return _built[key]
    os.makedirs(BUILD, exist_ok=True)
    src = os.path.join(WORKLOADS, name)
    out = os.path.join(BUILD, out_name)
    if cc is None:
        cc = "clang" if "-mno-omit-leaf-frame-pointer" in flags else "gcc"
    if name.endswith(".cc"):
        cc = {"clang": "clang++", "gcc": "g++"}[cc]
    subprocess.run([cc] + flags + ["-pthread", "-o", out, src] + list(libs), check=True)
    _built[key] = out
    return out


class Workloads:
    """Starts processes and kills whatever is left of them on exit."""

    def __init__(self, *cmds, env=None):
        self.cmds = cmds
        self.env = dict(os.environ, **env) if env else None
        self.procs = []

    def __enter__(self):
        for c in self.cmds:
            self.procs.append(subprocess.Popen(c, stdout=subprocess.DEVNULL, env=self.env))
        return self.procs

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()


class Result:
    def __init__(self, proc, outdir):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.outdir = outdir
        self.folded_path = os.path.join(outdir, "out.folded")
        self.pprof_path = os.path.join(outdir, "out.pprof")
        self.folded = read_folded(self.folded_path) if os.path.exists(self.folded_path) else {}
        self.stats = None
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                self.stats = json.loads(line)

    def lines_of(self, process_name):
        """Folded lines (frames list, count) of one process name."""
        return [(frames, n) for frames, n in self.folded.items() if frames[0] == process_name]

    def count_of(self, process_name):
        return sum(n for _, n in self.lines_of(process_name))


def read_folded(path):
    out = {}
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            out[tuple(stack.split(";"))] = out.get(tuple(stack.split(";")), 0) + int(count)
    return out


def run_hostprof(args, binary=HOSTPROF, timeout=60):
    """Runs hostprof with --folded/--pprof into a temp dir and --stats=json."""
    outdir = tempfile.mkdtemp(prefix="hostprof-test-")
    cmd = [binary, "--folded", os.path.join(outdir, "out.folded"),
           "--pprof", os.path.join(outdir, "out.pprof"), "--stats=json"] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    r = Result(p, outdir)
    assert r.returncode == 0, "hostprof exited %d: %s" % (r.returncode, r.stderr[-2000:])
    return r


def pprof_bytes(path):
    with open(path, "rb") as f:
        return gzip.decompress(f.read())


def decode_pprof(raw):
    """protoc's text form of an (uncompressed) pprof, decoded with the official schema
    from shared/, the independent oracle."""
    proto = os.path.join(SHARED, "proto", "pprof")
    assert os.path.exists(os.path.join(proto, "profile.proto")), \
        "official schema missing at %s (shared/ must sit beside the repository)" % proto
    p = subprocess.run(["protoc", "--decode", "perftools.profiles.Profile", "-I", proto,
                        "profile.proto"], input=raw, capture_output=True)
    assert p.returncode == 0, "protoc failed: %s" % p.stderr.decode()
    return p.stdout.decode()


def decode_otlp(raw):
    """protoc's text form of an OTLP ExportProfilesServiceRequest, decoded with the
    official opentelemetry-proto schema from shared/."""
    root = os.path.join(SHARED, "proto")
    svc = "opentelemetry/proto/collector/profiles/v1development/profiles_service.proto"
    assert os.path.exists(os.path.join(root, svc)), \
        "official schema missing at %s (shared/ must sit beside the repository)" % root
    p = subprocess.run(["protoc", "--decode",
                        "opentelemetry.proto.collector.profiles.v1development."
                        "ExportProfilesServiceRequest", "-I", root, svc],
                       input=raw, capture_output=True)
    assert p.returncode == 0, "protoc failed: %s" % p.stderr.decode()
    return p.stdout.decode()


def parse_textproto(text):
    """protoc's text format as nested dicts: every field maps to a list of values
    (strings as str, or bytes when not UTF-8; numbers as int; messages as dicts)."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|[{}]|[^\s{}:]+:?', text)
    pos = 0

    def value(tok):
        if tok.startswith('"'):
            raw = tok[1:-1].encode().decode("unicode_escape").encode("latin-1")
            try:
                return raw.decode()
            except UnicodeDecodeError:
                return raw  # a bytes field
        try:
            return int(tok)
        except ValueError:
            return tok  # enums, booleans, floats: as written

    def message():
        nonlocal pos
        msg = {}
        while pos < len(tokens) and tokens[pos] != "}":
            name = tokens[pos].rstrip(":")
            pos += 1
            if tokens[pos] == "{":
                pos += 1
                v = message()
                pos += 1  # the closing brace
            else:
                v = value(tokens[pos])
                pos += 1
            msg.setdefault(name, []).append(v)
        return msg

    return message()


def contains_in_order(frames, chain):
    """True if chain appears as consecutive frames."""
    n = len(chain)
    return any(tuple(frames[i:i + n]) == tuple(chain) for i in range(len(frames) - n + 1))


def share(lines, pred):
    total = sum(n for _, n in lines)
    good = sum(n for f, n in lines if pred(f))
    return (good / total if total else 0.0), good, total


def assert_share(lines, pred, min_total, min_frac, what):
    """At least min_total samples, and pred true for min_frac of them; returns how many."""
    frac, good, total = share(lines, pred)
    assert total >= min_total, "too few samples for %s: %d" % (what, total)
    assert frac >= min_frac, "%s in %d of %d samples; top: %s" % (
        what, good, total, sorted(lines, key=lambda x: -x[1])[:3])
    return good


def wait_for_line(stream, needle, timeout):
    """Reads lines from a pipe until one contains needle; returns what was read."""
    deadline = time.time() + timeout
    seen = b""
    fd = stream.fileno()
    os.set_blocking(fd, False)
    while time.time() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            chunk = None
        if chunk:
            seen += chunk
            if needle.encode() in seen:
                return seen.decode(errors="replace")
        time.sleep(0.02)
    raise AssertionError("did not see %r within %ss; got %r" % (needle, timeout, seen))


def signal_name(sig):
    return signal.Signals(sig).name
