"""Stacks of known workloads, from one system-wide hostprof run shared by these tests."""
from harness import FP_FLAGS, Workloads, assert_share, build, contains_in_order, run_hostprof

DURATION = 3
_run = None


def host_run():
    """Profiles the whole host while every workload of this file runs (once)."""
    global _run
    if _run is None:
        secs = str(DURATION + 3)
        cmds = [[build("fp_chain.c"), secs], [build("syscalls.c"), secs],
                [build("threads.c"), secs], [build("cpp_methods.cc"), secs],
                [build("deep.c"), "100", secs],
                [build("deep.c", out_name="deep200"), "200", secs]]
        with Workloads(*cmds) as procs:
            r = run_hostprof(["--duration", str(DURATION), "--frequency", "199"])
            r.pids = {p.args[0].rsplit("/", 1)[1]: p.pid for p in procs}
        _run = r
    return _run


def test_frame_pointer_chain_in_order():
    r = host_run()
    lines = r.lines_of("fp_chain")
    chain = ["main", "chain_a", "chain_b", "chain_c", "leaf_spin"]
    assert_share(lines, lambda f: contains_in_order(f, chain) and f[-1] == "leaf_spin",
                 100, 0.95, "chain %s" % chain)


def test_deep_recursion_is_complete_across_tail_calls():
    r = host_run()
    lines = r.lines_of("deep")
    # 100 recurse frames + deep_spin + main: takes 7 tail calls of the unwinder
    assert_share(lines, lambda f: f.count("recurse") == 100 and
                 contains_in_order(f, ["main", "recurse"]), 50, 0.9, "complete deep stacks")


def test_stack_deeper_than_max_is_marked_truncated():
    r = host_run()
    lines = r.lines_of("deep200")
    # 128 user frames at most: the leaf side is kept, the root side is cut
    # and marked, and the reason is counted
    good = assert_share(lines, lambda f: f[1] == "[truncated: max depth]" and
                        f[-1] == "deep_spin" and f.count("recurse") == 126, 50, 0.9,
                        "marked max-depth stacks")
    assert r.stats["stack_ends"]["native"]["max depth"] >= good


def test_kernel_frames_under_user_frames():
    r = host_run()
    lines = r.lines_of("syscalls")
    kernel_read = {"ksys_read", "__x64_sys_read", "vfs_read", "read_zero"}

    def ok(frames):
        user = [f for f in frames[1:] if not f.endswith("_[k]")]
        kern = [f[:-4] for f in frames[1:] if f.endswith("_[k]")]
        # user part first, then kernel part: no user frame after a kernel one
        first_k = next((i for i, f in enumerate(frames) if f.endswith("_[k]")), len(frames))
        ordered = all(f.endswith("_[k]") for f in frames[first_k:])
        return ordered and contains_in_order(user, ["main", "read_loop", "raw_read"]) \
            and kernel_read & set(kern)

    assert_share(lines, ok, 50, 0.9, "kernel read frames under read_loop")


def test_cpp_names_are_demangled():
    r = host_run()
    lines = r.lines_of("cpp_methods")
    chain = ["main", "app::Worker::run(double)", "app::Worker::step(int)"]
    assert_share(lines, lambda f: contains_in_order(f, chain), 50, 0.9, "demangled chain")


def test_threads_show_their_own_stacks():
    r = host_run()
    lines = r.lines_of("threads")
    alpha = sum(n for f, n in lines if contains_in_order(f, ["alpha_outer", "alpha_leaf"]))
    beta = sum(n for f, n in lines if contains_in_order(f, ["beta_outer", "beta_leaf"]))
    mixed = sum(n for f, n in lines if "alpha_outer" in f and "beta_leaf" in f)
    assert alpha >= 30 and beta >= 30, "alpha %d, beta %d samples" % (alpha, beta)
    assert mixed == 0, "stacks of the two threads got mixed"


def test_stats_account_for_every_record():
    s = host_run().stats
    assert s is not None, "no --stats=json line"
    assert s["lost"] == 0, "records lost: %s" % s
    assert s["emitted"] == s["aggregated"], "sent %d, aggregated %d" % (
        s["emitted"], s["aggregated"])
    assert s["bad_records"] == 0
    assert s["bpf_runs"] > 0 and s["bpf_ns_per_sample"] > 0, "BPF run-time stats missing"
    assert s["map_bytes"] > 0
    ends = s["stack_ends"]["native"]
    assert sum(ends.values()) <= s["emitted"], "more stack ends than records: %s" % s
    assert ends["ok"] > 0, "stack ends counted per unwinder"
    # the verifier's own count for every program (from its statistics log)
    v = s["verified_insns"]
    assert {"hp_sample", "hp_unwind_native", "hp_unwind_native_fp"} <= set(v), v
    assert all(n > 0 for n in v.values()) and v["hp_unwind_native"] < 1000000, v


def test_frame_pointer_unwinder_still_walks_chains():
    with Workloads([build("fp_chain.c"), "4"]):
        r = run_hostprof(["-d", "2", "-F", "199", "--unwinder", "fp"])
    lines = r.lines_of("fp_chain")
    chain = ["main", "chain_a", "chain_b", "chain_c", "leaf_spin"]
    assert_share(lines, lambda f: contains_in_order(f, chain), 100, 0.95, "chain %s" % chain)
    assert "native-fp" in r.stats["stack_ends"] and "native" not in r.stats["stack_ends"]
