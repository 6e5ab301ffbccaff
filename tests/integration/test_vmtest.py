"""The kernel matrix (vmtest/run.sh): each kernel boots under QEMU and runs the
in-guest checks (every program loads and attaches; known stacks with and
without frame pointers; user stacks of samples taken in the kernel).
One test per kernel of VMTEST_KERNELS (default: 5.10, 6.1, 6.12, the newest)."""
import os
import re
import subprocess

from harness import ROOT

KERNELS = os.environ.get("VMTEST_KERNELS", "bullseye bookworm trixie sid").split()


def boot(kernel):
    p = subprocess.run([os.path.join(ROOT, "vmtest", "run.sh")], capture_output=True, text=True,
                       env=dict(os.environ, VMTEST_KERNELS=kernel), timeout=900)
    lines = [l for l in p.stdout.splitlines() if l.startswith("vmtest ") or "verifier:" in l]
    for l in lines:
        print("     " + l.strip())
    assert p.returncode == 0 and p.stdout.rstrip().endswith("1 passed, 0 failed"), \
        "kernel %s: %s" % (kernel, (p.stdout + p.stderr)[-3000:])


def _test_for(kernel):
    def test():
        boot(kernel)
    test.__name__ = "test_kernel_" + re.sub(r"\W", "_", os.path.basename(kernel))
    return test


for _k in KERNELS:
    _t = _test_for(_k)
    globals()[_t.__name__] = _t
