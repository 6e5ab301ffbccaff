"""Stacks of code without frame pointers, unwound with .eh_frame tables in BPF.

Workloads built as Debian builds (gcc -O2 -fomit-frame-pointer) must show
their known chain, in order, from the outermost frame (_start, or the thread
start) to the leaf in at least 99% of their samples.
"""
import os
import subprocess

from harness import (BUILD, NOFP_FLAGS, Workloads, build, contains_in_order, run_hostprof)

DURATION = 4
_run = None
THREAD_ROOTS = ("__clone3", "clone3", "__clone", "clone")


def user_frames(frames):
    return [f for f in frames[1:] if not f.endswith("_[k]")]


def plugin_lib():
    out = os.path.join(BUILD, "libplugin.so")
    if not os.path.exists(out):
        os.makedirs(BUILD, exist_ok=True)
        subprocess.run(["gcc"] + NOFP_FLAGS + ["-fPIC", "-shared", "-o", out,
                                               os.path.join(os.path.dirname(BUILD), "..",
                                                            "tests", "workloads", "plugin.c")],
                       check=True)
    return out


def host_run():
    global _run
    if _run is None:
        secs = str(DURATION + 3)
        cmds = [
            [build("fp_chain.c", NOFP_FLAGS + ["-fPIE", "-pie"], "nofp_pie"), secs],
            [build("fp_chain.c", NOFP_FLAGS + ["-no-pie", "-fno-pie"], "nofp_nopie"), secs],
            [build("fp_chain.c", NOFP_FLAGS + ["-static"], "nofp_static"), secs],
            [build("fp_chain.c", ["-O2", "-g", "-fno-omit-frame-pointer"], "fp_gcc_leaf"), secs],
            [build("threads.c", NOFP_FLAGS, "nofp_threads"), secs],
            [build("qsort_cb.c", NOFP_FLAGS, "nofp_qsort"), secs],
            [build("dlopen_host.c", NOFP_FLAGS, "nofp_dlopen", libs=["-ldl"]), plugin_lib(),
             secs, "1"],
            [build("signal_handler.c", NOFP_FLAGS, "nofp_signal"), secs],
        ]
        with Workloads(*cmds):
            _run = run_hostprof(["--duration", str(DURATION), "--frequency", "499"])
    return _run


def check(name, chain, leaf, roots=("_start",), min_samples=40, complete=None):
    """complete(user_frames) decides a leaf sample is right; default: chain in a row."""
    r = host_run()
    lines = r.lines_of(name)
    total = sum(n for _, n in lines)
    at_leaf = [(user_frames(f), n) for f, n in lines if user_frames(f)[-1:] == [leaf]]
    leaf_total = sum(n for _, n in at_leaf)
    complete = complete or (lambda uf: contains_in_order(uf, chain))
    good = sum(n for uf, n in at_leaf if uf[0] in roots and complete(uf))
    rooted = sum(n for f, n in lines if user_frames(f)[:1] and user_frames(f)[0] in roots)
    worst = sorted((x for x in lines if not (user_frames(x[0])[:1] and
                                             user_frames(x[0])[0] in roots)),
                   key=lambda x: -x[1])[:3]
    assert leaf_total >= min_samples, "%s: only %d samples in %s (of %d)" % (
        name, leaf_total, leaf, total)
    assert good >= 0.99 * leaf_total, "%s: chain %s complete in %d of %d leaf samples: %s" % (
        name, chain, good, leaf_total, sorted(at_leaf, key=lambda x: -x[1])[:3])
    assert rooted >= 0.99 * total, "%s: %d of %d samples reach %s; e.g. %s" % (
        name, rooted, total, roots, worst)


CHAIN = ["main", "chain_a", "chain_b", "chain_c", "leaf_spin"]


def test_omit_frame_pointer_pie():
    check("nofp_pie", CHAIN, "leaf_spin")


def test_omit_frame_pointer_non_pie():
    check("nofp_nopie", CHAIN, "leaf_spin")


def test_fully_static():
    check("nofp_static", CHAIN, "leaf_spin")


def test_frame_pointer_build_with_frameless_leaf():
    # gcc keeps frame pointers but not in leaf_spin: a pure frame-pointer
    # walk loses chain_c; the tables do not
    check("fp_gcc_leaf", CHAIN, "leaf_spin")


def test_threads_from_thread_start():
    check("nofp_threads", ["start_thread", "alpha_outer", "alpha_leaf"], "alpha_leaf",
          roots=THREAD_ROOTS)
    check("nofp_threads", ["start_thread", "beta_outer", "beta_leaf"], "beta_leaf",
          roots=THREAD_ROOTS)


def test_callback_through_libc():
    r = host_run()
    check("nofp_qsort", ["main", "sort_loop"], "cmp_slow")
    # libc's own frames sit between sort_loop and the callback
    lines = [user_frames(f) for f, _ in r.lines_of("nofp_qsort") if user_frames(f)[-1:] == ["cmp_slow"]]
    assert any("qsort" in " ".join(f) or "msort" in " ".join(f) for f in lines), lines[:2]


def test_dlopen_after_start():
    check("nofp_dlopen", ["main", "call_plugin", "plugin_entry", "plugin_leaf"], "plugin_leaf")


def test_signal_handler_on_interrupted_code():
    # the signal may interrupt busy_main itself or anything it calls (its
    # PLT stub, clock_gettime in the vDSO): those frames sit in between
    def complete(uf):
        return (contains_in_order(uf, ["main", "busy_main"]) and
                uf[-3:] == ["__restore_rt", "on_signal", "handler_work"] and
                uf.index("busy_main") < len(uf) - 3)

    check("nofp_signal", ["main", "busy_main", "__restore_rt", "on_signal", "handler_work"],
          "handler_work", complete=complete)


def test_stack_ends_are_counted():
    s = host_run().stats
    ends = s["stack_ends"]["native"]
    assert ends["ok"] >= 0.95 * sum(ends.values()), "clean ends dominate: %s" % ends
    t = s["unwind_tables"]
    assert t["files_loaded"] >= 5 and t["rows_used"] > 1000, t


def perf_complete_fraction(perf_data, roots):
    """Fraction of perf's samples whose outermost frame is one of roots."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "comm,ip,sym"],
                         capture_output=True, text=True).stdout
    total = complete = 0
    for block in out.split("\n\n"):
        frames = [l.split()[1] for l in block.strip().splitlines()[1:] if len(l.split()) > 1]
        if not frames:
            continue
        total += 1
        complete += frames[-1].split("+")[0] in roots
    return complete / total if total else 0.0, total


def test_complete_stacks_at_least_perf_dwarf():
    # the same process profiled by both at once: perf copies 8 KiB of stack per
    # sample and unwinds it with DWARF in userspace; hostprof unwinds in BPF
    exe = build("qsort_cb.c", NOFP_FLAGS, "qsort_vs_perf")
    with Workloads([exe, "12"]) as procs:
        pid = str(procs[0].pid)
        perf_data = os.path.join(BUILD, "perf-dwarf.data")
        perf = subprocess.Popen(["perf", "record", "-q", "--call-graph", "dwarf", "-F", "199",
                                 "-p", pid, "-o", perf_data, "--", "sleep", "4"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        r = run_hostprof(["-d", "4", "-F", "199", "--pid", pid])
        perf.wait(timeout=60)
    perf_frac, perf_total = perf_complete_fraction(perf_data, ("_start",))
    lines = r.lines_of("qsort_vs_perf")
    total = sum(n for _, n in lines)
    ours = sum(n for f, n in lines if user_frames(f)[:1] == ["_start"]) / total if total else 0
    assert perf_total >= 100 and total >= 100, "samples: perf %d, hostprof %d" % (
        perf_total, total)
    assert ours >= perf_frac, "complete stacks: hostprof %.4f < perf --call-graph dwarf %.4f" % (
        ours, perf_frac)
    print("  complete stacks: hostprof %.2f%% (%d samples), perf dwarf %.2f%% (%d samples)" % (
        100 * ours, total, 100 * perf_frac, perf_total))


def test_start_frames_named_without_versions_or_aliases():
    # libc's .symtab names carry @@GLIBC_x versions and local aliases
    check("nofp_pie", ["_start", "__libc_start_main", "__libc_start_call_main", "main"],
          "leaf_spin")


def test_exited_processes_are_released():
    exe = build("fp_chain.c", NOFP_FLAGS, "short_lived")
    with Workloads([exe, "1"], [exe, "1"], [exe, "1"]):
        r = run_hostprof(["-d", "5", "-F", "99"])
    t = r.stats["unwind_tables"]
    assert r.stats["process_exits"] >= 3, "exit events from BPF: %s" % r.stats
    assert t["processes_exited"] >= 3, "exits seen: %s" % t
    assert r.count_of("short_lived") > 0
    # their user frames were named while they lived (a sample taken in
    # exit_group, after the address space is gone, has kernel frames only)
    with_user = [f for f, _ in r.lines_of("short_lived") if user_frames(f)]
    assert with_user and all("main" in user_frames(f) for f in with_user), with_user[:3]
