#!/usr/bin/env python3
"""Runs the whole suite: the C unit tests (ASan+UBSan build) and the
integration tests under tests/integration (real BPF, as root).

Prints one line per test and ends with "N passed, N failed".
Usage: tests/run.py [substring-of-test-name]
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_unit(pattern):
    cmd = [os.path.join(ROOT, "build", "unit-tests")] + ([pattern] if pattern else [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    m = re.search(r"unit: (\d+) passed, (\d+) failed", p.stdout)
    if not m:
        print("FAIL unit-tests (exit %d, no summary)" % p.returncode)
        return 0, 1
    passed, failed = int(m.group(1)), int(m.group(2))
    if p.returncode and not failed:
        failed = 1  # a sanitizer report after the summary
    return passed, failed


def integration_tests():
    d = os.path.join(ROOT, "tests", "integration")
    sys.path.insert(0, d)
    for name in sorted(os.listdir(d)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(d, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for attr in sorted(vars(mod), key=lambda a: getattr(getattr(mod, a), "__code__", None)
                           and getattr(mod, a).__code__.co_firstlineno or 0):
            if attr.startswith("test_") and callable(getattr(mod, attr)):
                yield "%s.%s" % (name[:-3], attr), getattr(mod, attr)


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    start = time.time()
    # every temporary file of the run (outputs, browser profiles) under one
    # directory: removed when all pass, kept for a look when something failed
    scratch = tempfile.mkdtemp(prefix="hostprof-tests-")
    os.environ["TMPDIR"] = tempfile.tempdir = scratch
    passed, failed = run_unit(pattern)
    for name, fn in integration_tests():
        if pattern and pattern not in name:
            continue
        t0 = time.time()
        try:
            if os.geteuid() != 0:
                raise AssertionError("integration tests need root (BPF and perf events)")
            fn()
            print("ok   %s (%.1fs)" % (name, time.time() - t0), flush=True)
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every kind of failure
            print("FAIL %s (%.1fs): %s" % (name, time.time() - t0, e), flush=True)
            if not isinstance(e, AssertionError):
                traceback.print_exc()
            failed += 1
    if failed:
        print("temporary files kept in %s" % scratch)
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    print("suite took %.0fs" % (time.time() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
