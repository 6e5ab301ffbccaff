"""Profile windows and the local sink: every window written whole, in order, kept or pruned."""
import datetime
import gzip
import os
import re
import subprocess
import tempfile

from harness import HOSTPROF, Workloads, build, decode_pprof, read_folded

STAMP = re.compile(r"^(cpu|stacks|flamegraph)-(\d{8}T\d{6}Z)\.(pprof|folded|html)$")
_run = None


def windows_run():
    """5 s at 2 s windows: windows of 2, 2 and 1 s."""
    global _run
    if _run is None:
        out = tempfile.mkdtemp(prefix="hostprof-windows-")
        with Workloads([build("fp_chain.c"), "8"]):
            p = subprocess.run([HOSTPROF, "-d", "5", "-F", "199", "--upload-period", "2",
                                "-o", out, "--stats=json"], capture_output=True, text=True,
                               timeout=60)
        assert p.returncode == 0, p.stderr
        _run = (out, p)
    return _run


def stamps(out):
    by = {}
    for name in os.listdir(out):
        m = STAMP.match(name)
        assert m, "unexpected file %s" % name
        by.setdefault(m.group(2), set()).add(m.group(1))
    return by


def test_every_window_has_its_three_files():
    out, p = windows_run()
    by = stamps(out)
    assert len(by) == 3, "windows: %s" % sorted(by)
    for stamp, kinds in by.items():
        assert kinds == {"cpu", "stacks", "flamegraph"}, (stamp, kinds)
    times = sorted(datetime.datetime.strptime(s, "%Y%m%dT%H%M%SZ") for s in by)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert all(1 <= g <= 3 for g in gaps), "windows start 2 s apart: %s" % gaps


def test_windows_hold_every_sample_once():
    import json
    out, p = windows_run()
    s = json.loads([l for l in p.stdout.splitlines() if l.startswith("{")][0])
    total = sum(sum(read_folded(os.path.join(out, n)).values())
                for n in os.listdir(out) if n.endswith(".folded"))
    assert s["windows"] == 3 and total == s["aggregated"] > 0, (total, s)


def test_window_pprof_times_are_exact():
    out, _ = windows_run()
    spans = []
    for name in sorted(n for n in os.listdir(out) if n.endswith(".pprof")):
        with open(os.path.join(out, name), "rb") as f:
            raw = gzip.decompress(f.read())
        text = decode_pprof(raw)
        t = int(re.search(r"^time_nanos: (\d+)", text, re.M).group(1))
        d = int(re.search(r"^duration_nanos: (\d+)", text, re.M).group(1))
        spans.append((t, d))
    for (t1, d1), (t2, _) in zip(spans, spans[1:]):
        assert t1 + d1 == t2, "a window ends where the next starts: %s" % spans
    assert 1.9e9 <= spans[0][1] <= 2.2e9, "first window lasts 2 s: %s" % spans


def test_flame_graph_is_self_contained_and_holds_the_frames():
    out, _ = windows_run()
    name = sorted(n for n in os.listdir(out) if n.startswith("flamegraph-"))[0]
    with open(os.path.join(out, name)) as f:
        html = f.read()
    assert "leaf_spin" in html and "chain_a" in html
    assert not re.search(r"(src|href)=[\"']?https?:", html), "no network resources"
    assert html.count("</script>") == 1


def test_retention_keeps_the_newest_windows():
    out = tempfile.mkdtemp(prefix="hostprof-retain-")
    with Workloads([build("fp_chain.c"), "6"]):
        p = subprocess.run([HOSTPROF, "-d", "4.5", "-F", "99", "--upload-period", "1",
                            "--retain", "2", "-o", out], capture_output=True, text=True,
                           timeout=60)
    assert p.returncode == 0, p.stderr
    by = stamps(out)
    written = p.stdout.count("hostprof: window of")
    assert written >= 4 and len(by) == 2, "%d windows written, kept %s" % (written, sorted(by))
    assert max(by) in p.stdout, "the newest is kept"


def test_upload_period_from_environment_and_bad_values():
    env = dict(os.environ, DD_PROFILING_UPLOAD_PERIOD="banana")
    p = subprocess.run([HOSTPROF, "-d", "1"], capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "DD_PROFILING_UPLOAD_PERIOD" in p.stderr, p.stderr
    p = subprocess.run([HOSTPROF, "--upload-period", "0"], capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr


def chromium_dom(url):
    """The page's DOM after its scripts ran, from headless Chromium."""
    import shutil
    exe = shutil.which("chromium")
    assert exe, "chromium missing: scripts/deps.sh --test installs it"
    profile = tempfile.mkdtemp(prefix="hostprof-chromium-")
    p = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + profile, "--window-size=1200,600",
                        "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-1000:]
    return p.stdout


def test_flame_graph_renders_in_a_browser_and_searches():
    out, _ = windows_run()
    name = sorted(n for n in os.listdir(out) if n.startswith("flamegraph-"))[0]
    dom = chromium_dom("file://%s/%s#q=leaf_spin" % (out, name))
    frames = re.findall(r'<div class="f( hit)?"[^>]*>([^<]*)</div>', dom)
    names = {n for _, n in frames}
    assert {"main", "chain_a", "chain_b", "chain_c", "leaf_spin"} <= names, sorted(names)[:20]
    hits = {n for hit, n in frames if hit}
    assert hits == {"leaf_spin"}, "the search from the URL highlights only it: %s" % hits
