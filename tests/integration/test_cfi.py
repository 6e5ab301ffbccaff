"""CFI parsing: rows checked against readelf, and the fuzz target's regressions."""
import glob
import os
import subprocess
import tempfile

import cfi_oracle
from harness import ROOT, build

FUZZ = os.path.join(ROOT, "build", "fuzz-cfi")
# Distribution binaries built without frame pointers, and libc's signal trampoline.
SYSTEM_FILES = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2",
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/bin/bash"]
NOFP = ["-O2", "-g", "-fomit-frame-pointer"]


def check_against_readelf(path, min_rows):
    checked, bad, summary = cfi_oracle.compare(path)
    assert checked >= min_rows, "%s: readelf showed only %d rows" % (path, checked)
    assert not bad, "%s: %d of %d rows differ from readelf, e.g. %s" % (
        path, len(bad), checked, bad[:5])
    assert summary["skipped"] == "0", "%s: FDEs skipped: %s" % (path, summary)
    return summary


def test_system_libraries_match_readelf():
    for f in SYSTEM_FILES:
        check_against_readelf(f, 1000)


def test_libc_signal_trampoline_is_a_signal_row():
    rows, _ = cfi_oracle.our_rows("/lib/x86_64-linux-gnu/libc.so.6")
    assert any(r[1] == "signal" for r in rows), "__restore_rt has a signal row"
    assert any(r[1] == "end" for r in rows), "thread start (clone3) ends the stack"


def test_compiled_workloads_match_readelf():
    for name, flags in (("fp_chain.c", NOFP + ["-fPIE", "-pie"]),
                        ("deep.c", NOFP + ["-no-pie", "-fno-pie"]),
                        ("cpp_methods.cc", NOFP),
                        ("threads.c", NOFP + ["-static"])):
        exe = build(name, flags, out_name=os.path.splitext(name)[0] + "_cfi")
        s = check_against_readelf(exe, 5)
        assert int(s["rows"]) > 0


def test_plt_stubs_get_plt_rows():
    exe = build("fp_chain.c", NOFP + ["-fPIE", "-pie", "-Wl,-z,lazy"], out_name="fp_plt")
    rows, _ = cfi_oracle.our_rows(exe)
    assert any(r[1] == "plt" for r in rows), "the .plt expression is recognised: %s" % rows


def test_fuzz_regressions_and_smoke():
    regressions = sorted(glob.glob(os.path.join(ROOT, "tests", "fuzz", "regressions", "*")))
    assert regressions, "regression inputs present"
    p = subprocess.run([FUZZ] + regressions, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr[-2000:]
    corpus = tempfile.mkdtemp(prefix="hostprof-fuzz-")
    subprocess.run([os.path.join(ROOT, "scripts", "fuzz-corpus.sh"), corpus], check=True)
    p = subprocess.run([FUZZ, "-max_total_time=10", "-max_len=65536", corpus],
                       capture_output=True, text=True, timeout=120, cwd=corpus)
    assert p.returncode == 0, "fuzzer found a crash: %s" % p.stderr[-3000:]
