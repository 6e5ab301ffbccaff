"""The Datadog Agent sink against a real HTTP intake: payload, retries, faults."""
import datetime
import gzip
import json
import os
import socket
import subprocess
import tempfile
import time

from harness import HOSTPROF, Workloads, build, decode_pprof
from intake import Intake


def profile(args, env=None, timeout=60, service="svc-a"):
    """Profiles one workload (--pid) whose own DD_SERVICE is `service`: one upload a window."""
    cwd = tempfile.mkdtemp(prefix="hostprof-dd-")
    with Workloads([build("fp_chain.c"), "10"], env={"DD_SERVICE": service}) as procs:
        t0 = time.monotonic()
        p = subprocess.run([HOSTPROF, "-F", "199", "--stats=json", "--pid", str(procs[0].pid)]
                           + args, cwd=cwd,
                           capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, **(env or {})))
        took = time.monotonic() - t0
    stats = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    return p, (stats[0] if stats else None), took, cwd


def rfc3339(s):
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")


def test_agent_receives_every_window():
    with Intake() as intake:
        p, s, _, cwd = profile(["--datadog-agent-url", intake.url, "--upload-period", "1",
                                "-d", "3.5", "--tags", "team:prof,tier:test"],
                               env={"DD_ENV": "ci"})
    assert p.returncode == 0, p.stderr
    reqs = intake.accepted()
    assert len(reqs) == s["windows"] == 4, (len(reqs), s["windows"])
    assert s["sinks"]["datadog-agent"]["sent"] == 4, s["sinks"]
    seqs = []
    for r in reqs:
        assert "error" not in r, r.get("error")
        assert r["path"] == "/profiling/v1/input"
        assert r["headers"]["DD-EVP-ORIGIN"] == "hostprof"
        assert r["headers"]["DD-EVP-ORIGIN-VERSION"]
        ev = r["event"]
        assert ev["family"] == "ebpf" and ev["version"] == "4", ev
        assert ev["attachments"] == ["cpu.pprof"] and set(r["parts"]) == {"event", "cpu.pprof"}
        assert r["parts"]["cpu.pprof"][0] == "cpu.pprof"
        tags = dict(t.split(":", 1) for t in ev["tags_profiler"].split(","))
        for k in ("service", "env", "host", "runtime", "profiler_version", "profile_seq"):
            assert k in tags, (k, tags)
        assert tags["service"] == "svc-a" and tags["env"] == "ci" and tags["runtime"] == "ebpf"
        assert tags["team"] == "prof" and tags["tier"] == "test"
        seqs.append(int(tags["profile_seq"]))
        assert rfc3339(ev["start"]) <= rfc3339(ev["end"])
        decode_pprof(gzip.decompress(r["parts"]["cpu.pprof"][1]))
    assert sorted(seqs) == list(range(4)), seqs
    assert b"leaf_spin" in gzip.decompress(reqs[0]["parts"]["cpu.pprof"][1])
    assert not os.path.exists(os.path.join(cwd, "hostprof-out")), \
        "with an agent configured, no local files unless asked"


def test_retries_5xx_and_delivers_each_window_once():
    with Intake(script=[500, 503]) as intake:
        p, s, _, _ = profile(["--datadog-agent-url", intake.url, "--upload-period", "1",
                              "-d", "2.5"])
    assert p.returncode == 0, p.stderr
    seqs = [int(dict(t.split(":", 1) for t in r["event"]["tags_profiler"].split(","))
                ["profile_seq"]) for r in intake.accepted()]
    assert sorted(seqs) == list(range(s["windows"])), "each window once: %s" % seqs
    assert s["sinks"]["datadog-agent"]["retried"] == 2, s["sinks"]


def test_429_retry_after_is_honoured():
    with Intake(script=[429], retry_after=2) as intake:
        p, s, _, _ = profile(["--datadog-agent-url", intake.url, "--upload-period", "5",
                              "-d", "1"])
    assert p.returncode == 0, p.stderr
    first, second = intake.requests[0], intake.requests[1]
    assert first["status"] == 429 and second["status"] == 200
    assert second["time"] - first["time"] >= 1.9, "waited %.2f s" % (
        second["time"] - first["time"])


def test_other_4xx_is_not_retried():
    with Intake(script=[400]) as intake:
        p, s, _, _ = profile(["--datadog-agent-url", intake.url, "--upload-period", "1",
                              "-d", "2.5"])
    sink = s["sinks"]["datadog-agent"]
    assert sink["rejected"] == 1 and sink["retried"] == 0, sink
    assert len(intake.requests) == s["windows"], "one request per window, none retried"
    assert "HTTP 400" in sink["last_error"]


def test_dead_agent_never_blocks_sampling():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    p, s, took, _ = profile(["--datadog-agent-url", "http://127.0.0.1:%d" % port,
                             "--upload-period", "1", "-d", "3", "--shutdown-timeout", "1"])
    assert took < 3 + 1 + 2, "exit within the shutdown deadline: %.1f s" % took
    assert s["aggregated"] > 100, "sampling went on: %s" % s
    sink = s["sinks"]["datadog-agent"]
    assert sink["sent"] == 0 and sink["undelivered"] >= 1 and sink["retried"] >= 1, sink
    assert p.returncode == 1 and "not delivered" in p.stderr, p.stderr


def test_agent_from_environment():
    with Intake() as intake:
        port = intake.url.rsplit(":", 1)[1]
        p, s, _, _ = profile(["--upload-period", "5", "-d", "1"],
                             env={"DD_AGENT_HOST": "127.0.0.1", "DD_TRACE_AGENT_PORT": port})
    assert p.returncode == 0, p.stderr
    assert len(intake.accepted()) == 1


KEY = "0123456789abcdef0123456789abcdef"


def test_agentless_sends_the_key_and_never_prints_it():
    with Intake() as intake:
        p, s, _, _ = profile(["--datadog-intake-url", intake.url + "/api/v2/profile",
                              "--upload-period", "5", "-d", "1", "-v"],
                             env={"DD_API_KEY": KEY})
    assert p.returncode == 0, p.stderr
    reqs = intake.accepted()
    assert len(reqs) == 1 and reqs[0]["path"] == "/api/v2/profile"
    assert reqs[0]["headers"]["DD-API-KEY"] == KEY
    assert reqs[0]["event"]["family"] == "ebpf"
    assert s["sinks"]["datadog-agentless"]["sent"] == 1
    assert KEY not in p.stdout and KEY not in p.stderr, "the key is never logged"


def test_malformed_api_key_is_refused_without_echo():
    bad = "SECRET-not-a-key-" + "x" * 20
    p = subprocess.run([HOSTPROF, "-d", "1"], capture_output=True, text=True,
                       env=dict(os.environ, DD_API_KEY=bad))
    assert p.returncode == 1 and "malformed" in p.stderr, p.stderr
    assert "SECRET" not in p.stderr + p.stdout


def seqs_of(reqs):
    return [int(dict(t.split(":", 1) for t in r["event"]["tags_profiler"].split(","))
                ["profile_seq"]) for r in reqs]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def profile_async(args):
    """Starts hostprof with a workload; returns (popen, workloads) to finish later."""
    w = Workloads([build("fp_chain.c"), "12"])
    procs = w.__enter__()
    p = subprocess.Popen([HOSTPROF, "-F", "99", "--stats=json", "--pid", str(procs[0].pid)]
                         + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=tempfile.mkdtemp())
    return p, w


def finish(p, w):
    out, err = p.communicate(timeout=60)
    w.__exit__(None, None, None)
    stats = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    return p.returncode, stats[0] if stats else None, err


def test_intake_hanging_past_the_timeout_is_retried():
    with Intake(hang_first=3) as intake:
        p, s, _, _ = profile(["--datadog-agent-url", intake.url, "--upload-period", "5", "-d", "1",
                              "--upload-timeout", "1"])
    assert p.returncode == 0, p.stderr
    assert seqs_of(intake.accepted()) == [0], "delivered once after the timeout"
    sink = s["sinks"]["datadog-agent"]
    assert sink["retried"] >= 1 and "imeout" in sink["last_error"], sink


def test_intake_refusing_at_start_then_appearing():
    port = free_port()
    p, w = profile_async(["--datadog-agent-url", "http://127.0.0.1:%d" % port,
                          "--upload-period", "1", "-d", "4"])
    time.sleep(2.5)  # the first windows meet a closed port
    with Intake(port=port) as intake:
        rc, s, err = finish(p, w)
    assert rc == 0, err
    assert sorted(seqs_of(intake.accepted())) == list(range(s["windows"])), \
        "every window exactly once: %s" % seqs_of(intake.accepted())
    assert s["sinks"]["datadog-agent"]["retried"] >= 1


def test_intake_going_away_mid_run():
    port = free_port()
    with Intake(port=port) as first:
        p, w = profile_async(["--datadog-agent-url", "http://127.0.0.1:%d" % port,
                              "--upload-period", "1", "-d", "5"])
        time.sleep(1.6)
    time.sleep(1.5)  # gone: windows wait and retry
    with Intake(port=port) as second:
        rc, s, err = finish(p, w)
    assert rc == 0, err
    got = seqs_of(first.accepted()) + seqs_of(second.accepted())
    assert sorted(got) == list(range(s["windows"])), "each window once: %s" % got
    assert s["aggregated"] > 0 and s["sinks"]["datadog-agent"]["dropped"] == 0



def services_of(reqs):
    return [dict(t.split(":", 1) for t in r["event"]["tags_profiler"].split(","))["service"]
            for r in reqs]


def process_names(req):
    """The process name labels in an upload's pprof."""
    raw = gzip.decompress(req["parts"]["cpu.pprof"][1])
    from test_containers import samples_with_labels
    path = os.path.join(tempfile.mkdtemp(), "p.pprof")
    with open(path, "wb") as f:
        f.write(gzip.compress(raw))
    return {l.get("process name") for l in samples_with_labels(path)}


def test_one_profile_per_service():
    exe = build("fp_chain.c")
    otel = build("fp_chain.c", out_name="otel_chain")
    with Intake() as intake, \
            Workloads([exe, "6"], env={"DD_SERVICE": "svc-one"}), \
            Workloads([otel, "6"], env={"OTEL_SERVICE_NAME": "svc-two"}):
        p = subprocess.run([HOSTPROF, "-F", "199", "-d", "2", "--upload-period", "5",
                            "--datadog-agent-url", intake.url, "--stats=json"],
                           capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    by = {svc: r for svc, r in zip(services_of(intake.accepted()), intake.accepted())}
    assert {"svc-one", "svc-two"} <= set(by), sorted(by)
    assert process_names(by["svc-one"]) == {"fp_chain"}, process_names(by["svc-one"])
    assert process_names(by["svc-two"]) == {"otel_chain"}, process_names(by["svc-two"])
    assert len(by) == len(intake.accepted()), "one upload per service"


def test_no_service_split_uses_our_own_service():
    with Intake() as intake:
        p, s, _, _ = profile(["--datadog-agent-url", intake.url, "--upload-period", "5", "-d", "1",
                              "--no-service-split"], env={"DD_SERVICE": "the-profiler"})
    assert p.returncode == 0, p.stderr
    assert services_of(intake.accepted()) == ["the-profiler"]
