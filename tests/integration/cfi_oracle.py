"""readelf --debug-dump=frames-interp as an independent oracle for hostprof's tables."""
import bisect
import os
import re
import subprocess

from harness import ROOT

CFI_DUMP = os.path.join(ROOT, "build", "cfi-dump")


def our_rows(path):
    out = subprocess.run([CFI_DUMP, path], capture_output=True, text=True, check=True).stdout
    rows, summary = [], None
    for line in out.splitlines():
        if line.startswith("#"):
            summary = dict(zip(line.split()[1::2], line.split()[2::2]))
            continue
        pc, typ, cfa, rbp = line.split()
        rows.append((int(pc, 16), typ, int(cfa), int(rbp)))
    return rows, summary


def readelf_rows(path):
    """(pc, expected) for every row readelf interprets; expected is (type, cfa_off,
    rbp_off) or a set of acceptable types for rules we do not model exactly."""
    out = subprocess.run(["readelf", "--debug-dump=frames-interp", path], capture_output=True,
                         text=True).stdout
    cie_aug = {}
    rows, cols, sig, in_fde = [], None, False, False
    for line in out.splitlines():
        # a CIE's own rows (LOC 0) are not code: skip until the next FDE
        m = re.match(r'^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ CIE "(\w*)"', line)
        if m:
            cie_aug[m.group(1)] = m.group(2)
            in_fde = False
            continue
        m = re.match(r"^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ FDE cie=([0-9a-f]+) pc=", line)
        if m:
            sig = "S" in cie_aug.get(m.group(1), "")
            cols, in_fde = None, True
            continue
        if line.strip().startswith("LOC"):
            cols = line.split()
            continue
        m = re.match(r"^([0-9a-f]{16}) (.*)$", line)
        if not m or cols is None or not in_fde:
            continue
        # register rules print as "r10 (r10)": one column, not two
        fields = re.sub(r"(r\d+) \((\w+)\)", r"\1(\2)", m.group(2)).split()
        vals = dict(zip(cols[1:], fields))
        pc = int(m.group(1), 16)
        if sig:
            rows.append((pc, {"signal"}))
            continue
        cfa, rbp, ra = vals.get("CFA", "u"), vals.get("rbp", "u"), vals.get("ra", "u")
        if ra == "u":
            rows.append((pc, {"end"}))
            continue
        if ra != "c-8":
            rows.append((pc, {"none"}))
            continue
        if cfa == "exp":
            rows.append((pc, {"plt", "none"}))
            continue
        cm = re.match(r"^(rsp|rbp)\+(\d+)$", cfa)
        if not cm:
            rows.append((pc, {"none"}))
            continue
        if rbp == "u":
            rbp_off = 0
        else:
            rm = re.match(r"^c(-\d+)$", rbp)
            if not rm:
                rows.append((pc, {"none"}))
                continue
            rbp_off = int(rm.group(1))
        if int(cm.group(2)) > 65535:
            rows.append((pc, {"none"}))
            continue
        rows.append((pc, (cm.group(1), int(cm.group(2)), rbp_off)))
    return rows


def compare(path):
    """Returns (checked, mismatches[:10], summary)."""
    ours, summary = our_rows(path)
    pcs = [r[0] for r in ours]
    bad, checked = [], 0
    for pc, want in readelf_rows(path):
        i = bisect.bisect_right(pcs, pc) - 1
        got = ours[i][1:] if i >= 0 else None
        checked += 1
        if isinstance(want, set):
            ok = got is not None and got[0] in want
        else:
            ok = got == want
        if not ok:
            bad.append((hex(pc), want, got))
    return checked, bad, summary
