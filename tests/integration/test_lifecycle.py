"""CLI errors, privileges, --pid, stopping by signal, short-lived processes, ASan build."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from harness import (FP_FLAGS, HOSTPROF, HOSTPROF_ASAN, Workloads, build, contains_in_order,
                     read_folded, run_hostprof, wait_for_line)


def test_invalid_arguments_exit_2_with_one_line():
    for args in (["--frequency", "banana"], ["--pid", "-3"], ["--bogus"], ["-d", "0"]):
        p = subprocess.run([HOSTPROF] + args, capture_output=True, text=True)
        assert p.returncode == 2, "%s: exit %d" % (args, p.returncode)
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("hostprof: "), \
            "%s: %r" % (args, p.stderr)


def test_help_and_version():
    p = subprocess.run([HOSTPROF, "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "EXAMPLES" in p.stdout and "--frequency" in p.stdout
    p = subprocess.run([HOSTPROF, "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("hostprof ")


def test_unprivileged_user_is_told_what_is_needed():
    assert shutil.which("setpriv"), "setpriv (util-linux) missing"
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", HOSTPROF, "-d", "1", "-o", "/tmp"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, "exit %d: %s" % (p.returncode, p.stderr)
    assert "root" in p.stderr and "CAP_BPF" in p.stderr, p.stderr[-500:]


def test_pid_that_does_not_exist():
    p = subprocess.run([HOSTPROF, "-d", "1", "--pid", "2147483647", "-o", "/tmp"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "no process 2147483647" in p.stderr, p.stderr


def test_pid_filter():
    with Workloads([build("fp_chain.c"), "5"], [build("threads.c"), "5"]) as procs:
        r = run_hostprof(["-d", "2", "-F", "199", "--pid", str(procs[0].pid)])
    names = {frames[0] for frames in r.folded}
    assert names == {"fp_chain"}, "only the chosen process is sampled: %s" % names
    assert r.stats["filtered"] > 0, "other processes were filtered in BPF"


def test_sigterm_writes_everything_collected():
    out = tempfile.mkdtemp(prefix="hostprof-sigterm-")
    folded = os.path.join(out, "x.folded")
    with Workloads([build("fp_chain.c"), "8"]):
        p = subprocess.Popen([HOSTPROF, "-F", "199", "--folded", folded, "--stats=json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_line(p.stderr, "profiling", 20)
            time.sleep(1.5)  # collect some samples
            p.send_signal(signal.SIGTERM)
            stdout, _ = p.communicate(timeout=20)
        finally:
            if p.poll() is None:
                p.kill()
    assert p.returncode == 0, "exit %d after SIGTERM" % p.returncode
    stats = [l for l in stdout.splitlines() if l.startswith("{")]
    import json
    s = json.loads(stats[0])
    lines = read_folded(folded)
    assert sum(lines.values()) == s["aggregated"] > 0, \
        "every aggregated sample is in the file: %d vs %s" % (sum(lines.values()), s)
    assert s["emitted"] == s["aggregated"], "nothing left in the ring buffer: %s" % s
    shutil.rmtree(out)


def test_exited_process_frames_are_named():
    # the workload exits a second into a 3 s profile: symbolization happens after
    with Workloads([build("fp_chain.c"), "1"]):
        r = run_hostprof(["-d", "3", "-F", "199"])
    lines = r.lines_of("fp_chain")
    named = sum(n for f, n in lines if contains_in_order(f, ["chain_c", "leaf_spin"]))
    assert named >= 0.9 * r.count_of("fp_chain") and named > 20, \
        "%d of %d samples named" % (named, r.count_of("fp_chain"))


def test_stripped_binary_named_from_build_id_debug_file():
    # a stripped copy whose symbols live only in /usr/lib/debug/.build-id/
    exe = build("fp_chain.c", FP_FLAGS + ["-Wl,--build-id"], out_name="fp_stripped")
    note = subprocess.run(["readelf", "-n", exe], capture_output=True, text=True).stdout
    build_id = note.split("Build ID: ")[1].split()[0]
    debug = "/usr/lib/debug/.build-id/%s/%s.debug" % (build_id[:2], build_id[2:])
    os.makedirs(os.path.dirname(debug), exist_ok=True)
    subprocess.run(["objcopy", "--only-keep-debug", exe, debug], check=True)
    subprocess.run(["strip", "--strip-all", exe], check=True)
    try:
        assert "leaf_spin" not in subprocess.run(["nm", "-D", exe], capture_output=True,
                                                 text=True).stdout
        with Workloads([exe, "4"]):
            r = run_hostprof(["-d", "2", "-F", "199"])
        lines = r.lines_of("fp_stripped")
        named = sum(n for f, n in lines if contains_in_order(f, ["chain_c", "leaf_spin"]))
        assert named >= 0.9 * r.count_of("fp_stripped") and named > 20, \
            "%d of %d named: %s" % (named, r.count_of("fp_stripped"), lines[:2])
    finally:
        os.unlink(debug)
        subprocess.run(["rm", "-f", exe])  # stripped: rebuild next time
        import harness
        harness._built.clear()


def test_asan_build_profiles_cleanly():
    assert os.path.exists(HOSTPROF_ASAN), "build/hostprof-asan missing (make asan)"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    from intake import Intake, parse_otlp
    # every part at once: windows, the local sink, the agent and OTLP sinks' threads,
    # their encoders and libcurl
    with Intake(script=[500]) as intake, Intake(parse=parse_otlp) as otlp, \
            Workloads([build("fp_chain.c"), "5"], [build("syscalls.c"), "5"]):
        p = subprocess.run([HOSTPROF_ASAN, "-d", "2.5", "-F", "199", "--upload-period", "1",
                            "-o", tempfile.mkdtemp(prefix="hostprof-asan-"),
                            "--datadog-agent-url", intake.url, "--otlp-endpoint", otlp.url,
                            "--otlp-headers", "x-a=1", "--stats"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr[-3000:])
    # one upload per service and window: the uploads cover the 3 windows
    windows = {r["event"]["start"] for r in intake.accepted()}
    assert len(windows) == 3, "every window delivered: %s" % sorted(windows)
    assert len(otlp.accepted()) == 3 and all("error" not in r for r in otlp.accepted())
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error"):
        assert bad not in p.stderr, p.stderr[-3000:]


def test_exec_gets_fresh_mappings():
    # one pid, two static non-PIE images at the same addresses (nothing of the
    # new image lies outside the old mappings): exec_after spins, then execs
    # deep; deep's frames must be resolved against its own mappings
    nopie = FP_FLAGS + ["-static", "-fno-pie"]
    first = build("exec_after.c", nopie, out_name="exec_after")
    deep = build("deep.c", nopie, out_name="deep_nopie")
    with Workloads([first, "1", deep, "20", "4"]):
        r = run_hostprof(["-d", "3", "-F", "199"])
    lines = r.lines_of("deep_nopie")
    good = sum(n for f, n in lines if f.count("recurse") == 20 and "deep_spin" in f)
    assert r.count_of("exec_after") > 20, "samples before the exec"
    assert good >= 0.9 * r.count_of("deep_nopie") and good > 20, \
        "%d of %d samples after exec named: %s" % (good, r.count_of("deep_nopie"), lines[:2])
