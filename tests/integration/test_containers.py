"""Container ids from cgroup paths, as pprof labels, with real cgroups on this host."""
import gzip
import os
import re
import shutil
import subprocess

from harness import Workloads, build, decode_pprof, run_hostprof

ID_V2 = "a" * 16 + "0123456789abcdef" * 3
ID_V1 = "b" * 16 + "fedcba9876543210" * 3
POD = "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"
V2_ROOT = "/sys/fs/cgroup/unified"  # the v2 hierarchy here (hybrid mount); plain v2 elsewhere
V1_PIDS = "/sys/fs/cgroup/pids"


def v2_root():
    for d in (V2_ROOT, "/sys/fs/cgroup"):
        if os.path.exists(os.path.join(d, "cgroup.procs")) and \
                os.path.exists(os.path.join(d, "cgroup.controllers")):
            return d
    return None


def samples_with_labels(pprof_path):
    """[(labels dict)] for every sample of a pprof, decoded with the official schema."""
    with open(pprof_path, "rb") as f:
        raw = gzip.decompress(f.read())
    text = decode_pprof(raw)
    strings = [bytes(s, "ascii").decode("unicode_escape")
               for s in re.findall(r'^string_table: "(.*)"$', text, re.M)]
    out = []
    for block in re.findall(r"^sample \{\n(.*?)^\}", text, re.M | re.S):
        labels = {}
        for k, v in re.findall(r"label \{\s*key: (\d+)\s*str: (\d+)", block):
            labels[strings[int(k)]] = strings[int(v)]
        out.append(labels)
    return out


def test_container_and_pod_labels():
    root = v2_root()
    assert root, "no cgroup v2 hierarchy on this host"
    v2 = os.path.join(root, "kubepods.slice", "kubepods-burstable.slice",
                      "kubepods-burstable-pod%s.slice" % POD.replace("-", "_"),
                      "cri-containerd-%s.scope" % ID_V2)
    v1 = os.path.join(V1_PIDS, "docker", ID_V1)
    made = []
    try:
        for d in (v2, v1):
            if os.path.exists(os.path.dirname(os.path.dirname(d))) or d == v2:
                os.makedirs(d, exist_ok=True)
                made.append(d)
        exe = build("fp_chain.c", out_name="ctr_workload")
        # each moves itself into its cgroup, then execs the workload
        cmds = [["sh", "-c", "echo $$ > %s/cgroup.procs && exec %s 4" % (d, exe)]
                for d in made]
        with Workloads(*cmds):
            r = run_hostprof(["-d", "2", "-F", "199"])
        ids = {}
        for labels in samples_with_labels(r.pprof_path):
            if labels.get("process name") == "ctr_workload":
                key = (labels.get("container_id"), labels.get("pod_uid"))
                ids[key] = ids.get(key, 0) + 1
        assert (ID_V2, POD) in ids, "containerd container in a pod: %s" % ids
        if v1 in made:
            assert (ID_V1, None) in ids, "docker (cgroup v1): %s" % ids
        assert set(ids) <= {(ID_V2, POD), (ID_V1, None)}, "no sample unlabelled: %s" % ids
        others = [l for l in samples_with_labels(r.pprof_path)
                  if l.get("process name") != "ctr_workload" and "container_id" in l]
        assert not others, "processes outside containers get no label: %s" % others[:2]
    finally:
        for d in made:
            for _ in range(50):  # wait for the exited workloads to leave the cgroup
                try:
                    path = d
                    while path not in (V1_PIDS, root) and path.startswith(("/sys/fs/cgroup",)):
                        os.rmdir(path)
                        path = os.path.dirname(path)
                    break
                except OSError:
                    import time
                    time.sleep(0.1)
