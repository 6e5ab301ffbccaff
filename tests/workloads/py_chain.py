"""Python workloads with known call chains, for the CPython unwinder's tests.

  py_chain.py chain SECONDS    outer -> middle -> Worker.inner -> recurse x6 -> leaf_burn
  py_chain.py hash SECONDS     outer_hash -> hash_burn -> hashlib (C) on 1 MiB buffers
  py_chain.py threads SECONDS  one thread runs the chain, another alpha -> beta -> spin_b
  py_chain.py deep SECONDS N   recurse N deep, then leaf_burn (for the benchmark)

Only `sys` and `time` (built into the interpreter) are imported up front, so
`python3 -S -I py_chain.py chain N` runs with nothing of the standard library
but `encodings` (as in the kernel matrix's guests).
"""
import sys
import time


def leaf_burn(deadline):
    x = 0
    while time.monotonic() < deadline:
        for i in range(2000):
            x += i * i  # LEAF_LINE
    return x


def recurse(n, deadline):
    if n == 0:
        return leaf_burn(deadline)
    return recurse(n - 1, deadline)


class Worker:
    def inner(self, deadline):
        return recurse(5, deadline)


def middle(deadline):
    return Worker().inner(deadline)


def outer(deadline):
    return middle(deadline)


def hash_burn(deadline):
    import hashlib
    data = b"x" * (1 << 20)
    while time.monotonic() < deadline:
        hashlib.sha256(data).digest()


def outer_hash(deadline):
    hash_burn(deadline)


def spin_b(deadline):
    x = 0
    while time.monotonic() < deadline:
        for i in range(2000):
            x ^= i
    return x


def beta(deadline):
    return spin_b(deadline)


def alpha(deadline):
    return beta(deadline)


def main():
    mode, secs = sys.argv[1], float(sys.argv[2])
    deadline = time.monotonic() + secs
    if mode == "chain":
        outer(deadline)
    elif mode == "hash":
        outer_hash(deadline)
    elif mode == "deep":
        recurse(int(sys.argv[3]), deadline)
    elif mode == "threads":
        import threading
        t = threading.Thread(target=alpha, args=(deadline,), name="alpha-thread")
        t.start()
        outer(deadline)
        t.join()


if __name__ == "__main__":
    main()
