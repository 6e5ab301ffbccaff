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


def chromium(url, *what):
    """Runs headless Chromium on url with what (--dump-dom, --screenshot=FILE); its stdout."""
    import shutil
    exe = shutil.which("chromium")
    assert exe, "chromium missing: scripts/deps.sh --test installs it"
    profile = tempfile.mkdtemp(prefix="hostprof-chromium-")
    p = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        "--user-data-dir=" + profile, "--window-size=1200,600"]
                       + list(what) + [url], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-1000:]
    return p.stdout


def png_pixels(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB/RGBA PNG, stdlib only."""
    import struct
    import zlib
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not interlace, (depth, ctype, interlace)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 4 if ctype == 6 else 3
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def test_flame_graph_renders_in_a_browser_and_searches():
    out, _ = windows_run()
    name = sorted(n for n in os.listdir(out) if n.startswith("flamegraph-"))[0]
    dom = chromium("file://%s/%s#q=leaf_spin" % (out, name), "--dump-dom")
    frames = re.findall(r'<div class="f( hit)?"[^>]*>([^<]*)</div>', dom)
    names = {n for _, n in frames}
    assert {"main", "chain_a", "chain_b", "chain_c", "leaf_spin"} <= names, sorted(names)[:20]
    hits = {n for hit, n in frames if hit}
    assert hits == {"leaf_spin"}, "the search from the URL highlights only it: %s" % hits
    # and what a person sees: a screenshot holds the highlighted frame's colour
    # (#e040fb, a bar at least a frame high) among the flame's warm frame colours
    shot = os.path.join(out, "shot.png")
    chromium("file://%s/%s#q=leaf_spin" % (out, name), "--screenshot=" + shot)
    w, h, rows = png_pixels(shot)
    px = [p for row in rows for p in row]
    hit = sum(1 for p in px if abs(p[0] - 0xe0) < 8 and abs(p[1] - 0x40) < 8
              and abs(p[2] - 0xfb) < 8)
    warm = sum(1 for r, g, b in px if r > 180 and r > g + 30 and r > b + 60)
    assert hit >= 10 * 50, "highlighted frame visible: %d pixels of %dx%d" % (hit, w, h)
    assert warm >= 4 * hit, "the chain's frames visible around it: %d warm pixels" % warm
