"""The pprof and folded files, read by independent tools."""
import os
import shutil
import subprocess

from harness import Workloads, build, decode_pprof, pprof_bytes, run_hostprof

_run = None


def fp_run():
    global _run
    if _run is None:
        with Workloads([build("fp_chain.c"), "5"]):
            _run = run_hostprof(["--duration", "2", "--frequency", "199"])
    return _run


def test_pprof_decodes_with_official_schema():
    text = decode_pprof(pprof_bytes(fp_run().pprof_path))
    for needle in ['string_table: "cpu-samples"', 'string_table: "cpu-time"',
                   'string_table: "nanoseconds"', 'string_table: "thread name"',
                   'string_table: "process_id"', 'string_table: "leaf_spin"',
                   "period: 5025125"]:
        assert needle in text, "%s not in decoded profile" % needle
    assert "build_id:" in text, "mappings carry build ids"


def test_go_tool_pprof_reads_it():
    go = shutil.which("go")
    assert go, "go (golang-go) is not installed: run scripts/deps.sh --test"
    env = dict(os.environ, HOME=os.environ.get("HOME", "/root"), PPROF_TMPDIR="/tmp")
    p = subprocess.run([go, "tool", "pprof", "-top", "-sample_index=cpu-samples",
                        fp_run().pprof_path], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, "go tool pprof failed: %s" % p.stderr
    assert "leaf_spin" in p.stdout, p.stdout[:2000]


def test_folded_format():
    r = fp_run()
    with open(r.folded_path) as f:
        lines = f.read().splitlines()
    assert lines == sorted(lines), "lines are sorted"
    for line in lines:
        stack, _, count = line.rpartition(" ")
        assert stack and count.isdigit() and int(count) > 0, "bad line %r" % line
        assert "\t" not in stack and "\n" not in stack
    assert len(set(l.rpartition(" ")[0] for l in lines)) == len(lines), "one line per stack"


def test_default_output_dir():
    d = os.path.join(os.path.dirname(fp_run().outdir), "hostprof-default-out-test")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with Workloads([build("fp_chain.c"), "4"]):
        p = subprocess.run([os.path.abspath(fp_run_binary()), "-d", "1"], cwd=d,
                           capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    out = os.path.join(d, "hostprof-out")
    names = sorted(os.listdir(out))
    for prefix, suffix in (("cpu-", ".pprof"), ("stacks-", ".folded"), ("flamegraph-", ".html")):
        mine = [n for n in names if n.startswith(prefix) and n.endswith(suffix)]
        assert len(mine) == 1, "one %s*%s in %s" % (prefix, suffix, names)
        assert os.path.getsize(os.path.join(out, mine[0])) > 0
    flame = [n for n in names if n.startswith("flamegraph-")][0]
    assert "open the flame graph: hostprof-out/" + flame in p.stdout, p.stdout
    assert not [f for f in names if ".tmp." in f], "temporary files left behind"
    shutil.rmtree(d)


def fp_run_binary():
    from harness import HOSTPROF
    return HOSTPROF
