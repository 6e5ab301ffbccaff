"""The OTLP sink against a real OTLP/HTTP receiver whose requests are decoded with protoc
and the official opentelemetry-proto schema; several sinks at once."""
import json
import os
import re
import socket
import subprocess
import tempfile
import time

from harness import HOSTPROF, Workloads, build, contains_in_order
from intake import Intake, parse_otlp

CHAIN = ["main", "chain_a", "chain_b", "chain_c", "leaf_spin"]


def profile(args, env=None, workload_env=None, timeout=60):
    """Profiles the fp_chain workload (--pid); returns (completed process, stats, pid, cwd)."""
    cwd = tempfile.mkdtemp(prefix="hostprof-otlp-")
    with Workloads([build("fp_chain.c"), "10"], env=workload_env) as procs:
        p = subprocess.run([HOSTPROF, "-F", "199", "--stats=json", "--pid", str(procs[0].pid)]
                           + args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, **(env or {})))
    stats = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    return p, (stats[0] if stats else None), procs[0].pid, cwd


def attrs(kvs):
    """OTLP KeyValue list -> {key: python value}."""
    out = {}
    for kv in kvs:
        v = kv["value"][0] if kv.get("value") else {}
        out[kv["key"][0]] = (v.get("string_value") or v.get("int_value") or [None])[0]
    return out


class Request:
    """One decoded ExportProfilesServiceRequest, with its dictionary resolved."""

    def __init__(self, msg):
        d = msg["dictionary"][0]
        self.strings = d["string_table"]
        self.tables = {k: d.get(k, []) for k in ("mapping_table", "location_table",
                                                  "function_table", "attribute_table",
                                                  "stack_table", "link_table")}
        self.resources = msg.get("resource_profiles", [])

    def s(self, idx):
        return self.strings[idx]

    def attr(self, idx):
        a = self.tables["attribute_table"][idx]
        v = a["value"][0]
        return self.s(a["key_strindex"][0]), (v.get("string_value") or v.get("int_value"))[0]

    def location(self, idx):
        """(function name, frame type, mapping file name) of a location."""
        loc = self.tables["location_table"][idx]
        fn = self.tables["function_table"][loc["lines"][0]["function_index"][0]]
        kinds = dict(self.attr(i) for i in loc.get("attribute_indices", []))
        m = self.tables["mapping_table"][loc.get("mapping_index", [0])[0]]
        return (self.s(fn.get("name_strindex", [0])[0]), kinds.get("profile.frame.type"),
                self.s(m.get("filename_strindex", [0])[0]))

    def stack(self, idx):
        """Frames root first, as (name, frame type, file)."""
        ids = self.tables["stack_table"][idx].get("location_indices", [])
        return [self.location(i) for i in reversed(ids)]


def test_otlp_receiver_gets_every_window_decodable_with_the_official_schema():
    with Intake(parse=parse_otlp) as rx:
        p, s, pid, cwd = profile(["--otlp-endpoint", rx.url, "--upload-period", "1", "-d", "2.5"],
                                 workload_env={"OTEL_SERVICE_NAME": "checkout"})
    assert p.returncode == 0, p.stderr
    reqs = rx.accepted()
    assert len(reqs) == s["windows"] == 3, (len(reqs), s["windows"])
    assert s["sinks"]["otlp"]["sent"] == 3, s["sinks"]
    assert not os.path.exists(os.path.join(cwd, "hostprof-out")), "an upload is the output"
    exe = build("fp_chain.c")
    readelf = subprocess.run(["readelf", "-n", exe], capture_output=True, text=True).stdout
    build_id = re.search(r"Build ID: ([0-9a-f]+)", readelf)
    starts = []
    for r in reqs:
        assert "error" not in r, r["error"]
        assert r["path"] == "/v1development/profiles"
        assert r["headers"]["Content-Encoding"] == "gzip"
        req = Request(r["otlp"])
        assert req.strings[0] == "", "string 0 is empty"
        for t in ("mapping_table", "location_table", "function_table", "attribute_table",
                  "stack_table"):
            assert req.tables[t] and req.tables[t][0] == {}, "%s[0] is the zero value" % t
        assert len(req.resources) == 1, "one process profiled: one resource"
        res = req.resources[0]
        ra = attrs(res["resource"][0]["attributes"])
        assert ra["process.pid"] == pid and ra["service.name"] == "checkout", ra
        assert ra["process.executable.name"] == "fp_chain", ra
        assert ra["process.executable.path"] == exe, ra
        assert ra["host.name"] == socket.gethostname(), ra
        scope = res["scope_profiles"][0]
        assert scope["scope"][0]["name"] == ["hostprof"]
        prof = scope["profiles"][0]
        assert [req.s(prof["sample_type"][0][k][0]) for k in ("type_strindex", "unit_strindex")] \
            == ["samples", "count"]
        assert [req.s(prof["period_type"][0][k][0]) for k in ("type_strindex", "unit_strindex")] \
            == ["cpu", "nanoseconds"]
        assert prof["period"] == [int(1e9 / 199)]
        assert len(prof["profile_id"][0]) == 16
        starts.append((prof["time_unix_nano"][0], prof["duration_nano"][0]))
        total = chained = 0
        for smp in prof["samples"]:
            frames = req.stack(smp["stack_index"][0])
            sa = dict(req.attr(i) for i in smp["attribute_indices"])
            assert sa["thread.id"] == pid and sa["thread.name"] == "fp_chain", sa
            names = [f[0] for f in frames]
            total += smp["values"][0]
            if contains_in_order(names, CHAIN) and names[-1] == "leaf_spin":
                chained += smp["values"][0]
                user = [f for f in frames if f[0] in CHAIN]
                assert all(f[1] == "native" and f[2] == exe for f in user), user
            for name, kind, _ in frames:
                assert kind in ("native", "kernel", "abort-marker"), (name, kind)
        assert total >= 50 and chained >= 0.95 * total, (chained, total)
        if build_id:
            gnu = [req.attr(i) for m in req.tables["mapping_table"][1:]
                   if req.s(m["filename_strindex"][0]) == exe
                   for i in m.get("attribute_indices", [])]
            assert gnu == [("process.executable.build_id.gnu", build_id.group(1))], gnu
    # windows tile the run: each starts where the previous ended
    for (s0, d0), (s1, _) in zip(starts, starts[1:]):
        assert s0 + d0 == s1, (s0, d0, s1)


def test_endpoint_headers_and_compression_from_the_environment():
    with Intake(parse=parse_otlp) as rx:
        p, s, _, _ = profile(["--upload-period", "5", "-d", "1", "-v"], env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url + "/",
            "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20s3cr3t-token , x-tenant=t1",
            "OTEL_EXPORTER_OTLP_COMPRESSION": "none"})
    assert p.returncode == 0, p.stderr
    (r,) = rx.accepted()
    assert "error" not in r, r["error"]
    assert r["path"] == "/v1development/profiles", r["path"]
    assert r["headers"]["authorization"] == "Bearer s3cr3t-token"
    assert r["headers"]["x-tenant"] == "t1"
    assert "Content-Encoding" not in r["headers"]
    assert "s3cr3t" not in p.stderr + p.stdout, "header values are never logged"


def test_profiles_endpoint_is_used_as_is():
    with Intake(parse=parse_otlp) as rx:
        p, _, _, _ = profile(["--upload-period", "5", "-d", "1"], env={
            "OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT": rx.url + "/custom/profiles",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"})
    assert p.returncode == 0, p.stderr
    assert [r["path"] for r in rx.accepted()] == ["/custom/profiles"]


def test_partial_success_is_reported_not_retried():
    # ExportProfilesServiceResponse{partial_success{rejected_profiles: 1, error_message}}
    reason = b"profiles older than 1h"
    inner = b"\x08\x01\x12" + bytes([len(reason)]) + reason
    with Intake(parse=parse_otlp, reply=b"\x0a" + bytes([len(inner)]) + inner) as rx:
        p, s, _, _ = profile(["--otlp-endpoint", rx.url, "--upload-period", "1", "-d", "2.5"])
    assert p.returncode == 0, p.stderr
    sink = s["sinks"]["otlp"]
    assert sink["sent"] == s["windows"] == len(rx.requests), (sink, len(rx.requests))
    assert sink["partial"] == s["windows"] and sink["retried"] == 0, sink
    assert "1 profile(s) rejected: profiles older than 1h" in sink["last_error"], sink
    assert "refused part of it" in p.stderr, p.stderr


def test_bad_otlp_configuration_is_refused_clearly():
    cases = [
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, [], "4318"),
        ({"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, [], "gzip or none"),
        ({}, ["--otlp-headers", "bad key=hidden-value"], "entry 1"),
        ({}, ["--otlp-headers", "ok=1,x-inject=hidden%0Avalue"], "control character"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, [], "not an http"),
    ]
    for env, args, why in cases:
        base = {} if "OTEL_EXPORTER_OTLP_ENDPOINT" in env else {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}
        p = subprocess.run([HOSTPROF, "-d", "1"] + args, capture_output=True, text=True,
                           env=dict(os.environ, **base, **env), timeout=30)
        assert p.returncode == 1 and why in p.stderr, (env, args, p.stderr)
        assert "hidden" not in p.stderr, "header values are never echoed: %s" % p.stderr
    p = subprocess.run([HOSTPROF, "--otlp-endpoint", "collector:4318"], capture_output=True,
                       text=True)
    assert p.returncode == 2 and "--otlp-endpoint" in p.stderr, p.stderr


def test_several_sinks_at_once_and_a_hanging_one_blocks_none():
    """Datadog + OTLP + local files together; the OTLP receiver stalls its first request
    past the timeout: the Datadog windows still arrive as each window closes."""
    out = tempfile.mkdtemp(prefix="hostprof-out-")
    with Intake() as dd, Intake(parse=parse_otlp, hang_first=4) as rx:
        t0 = time.monotonic()
        p, s, _, _ = profile(["--datadog-agent-url", dd.url, "--otlp-endpoint", rx.url,
                              "--output-dir", out, "--upload-period", "1", "-d", "3.5",
                              "--upload-timeout", "2"])
        dd_times = [r["time"] - t0 for r in dd.accepted()]
    assert p.returncode == 0, p.stderr
    windows = s["windows"]
    assert windows == 4, s
    assert len(dd.accepted()) == windows and s["sinks"]["datadog-agent"]["sent"] == windows
    # the first Datadog upload goes out as the first window closes (1 s), not after the stall
    assert dd_times[0] < 1 + 1.5, dd_times
    otlp = s["sinks"]["otlp"]
    assert otlp["sent"] == windows and otlp["retried"] >= 1, otlp
    assert len(rx.accepted()) == windows, "every OTLP window delivered once after the stall"
    assert all("error" not in r for r in rx.accepted())
    flamegraphs = [f for f in os.listdir(out) if f.startswith("flamegraph-")]
    assert len(flamegraphs) == windows, os.listdir(out)
