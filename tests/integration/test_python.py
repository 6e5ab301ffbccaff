"""The CPython unwinder on Debian's python3.11 and on trixie's python3.13 (fetched
by scripts/fetch-python.sh, run under trixie's own C library): known Python chains
in order with their lines, interleaved with the native frames around them, a C
extension under its Python caller, threads, a process in its own mount namespace,
OTLP frames, and each version's offsets row checked against the live interpreter."""
import functools
import os
import re
import subprocess

from harness import (ROOT, WORKLOADS, Workloads, assert_share, contains_in_order, decode_pprof,
                     pprof_bytes, run_hostprof)

PYTHON = "/usr/bin/python3.11"  # Debian's (python3 on PATH may be another build)
SCRIPT = os.path.join(WORKLOADS, "py_chain.py")
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "hostprof-python")
VERSIONS = ("3.9", "3.11", "3.13")
SUITES = {"3.9": "bullseye", "3.13": "trixie"}  # where the versions Debian 12 lacks come from


@functools.lru_cache(maxsize=None)
def python(version):
    """The command that runs CPython `version`: Debian's own, or another suite's."""
    if version == "3.11":
        assert os.path.exists(PYTHON), "python3.11 missing: scripts/deps.sh --test installs it"
        return (PYTHON,)
    p = subprocess.run([os.path.join(ROOT, "scripts", "fetch-python.sh"), CACHE,
                        SUITES[version], version], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, "could not fetch python%s: %s" % (version, p.stderr)
    return tuple(p.stdout.split())


def line_of(text):
    """The number of the line of py_chain.py that reads text (indentation aside)."""
    with open(SCRIPT) as f:
        for n, line in enumerate(f, 1):
            if line.strip() == text:
                return n
    raise AssertionError("%r not in %s" % (text, SCRIPT))


def frame(func, text, version="3.11"):
    """How a frame reads: qualified names from 3.11 on, plain names before (no co_qualname)."""
    if tuple(map(int, version.split("."))) < (3, 11):
        func = func.rsplit(".", 1)[-1]
    return "%s (py_chain.py:%d)" % (func, line_of(text))


def py_frames(frames):
    """The Python frames of a stack (before 3.11 native call frames sit between them)."""
    return [f for f in frames if "(py_chain.py:" in f]


def profile(version, mode, secs="10"):
    with Workloads(list(python(version)) + [SCRIPT, mode, secs]) as procs:
        r = run_hostprof(["-F", "199", "-d", "3", "--pid", str(procs[0].pid)])
    return r, r.lines_of("python" + version)


NO_FIELD = 0xffff


def check_offsets(version):
    """Every offset of the version's row, read back from the live interpreter with ctypes."""
    with open(os.path.join(ROOT, "unwinders", "python", "python_versions.c")) as f:
        src = f.read()
    row = src[src.index(".minor = %s," % version.split(".")[1]):]
    row = row[:row.index("\n\t},")]
    off = {k: NO_FIELD for k in ("tstate_cframe", "frame_is_entry", "owner_cstack")}
    off.update({k: int(v) for k, v in re.findall(r"\.(\w+) = (\d+)", row)})
    off["pthread_id"] = "HP_PY_F_PTHREAD_ID" in row
    off["frame_objects"] = "HP_PY_F_FRAME_OBJECTS" in row
    check = r"""
import ctypes, sys, threading
o = %r
api = ctypes.pythonapi
api.PyThreadState_Get.restype = api.PyInterpreterState_Get.restype = ctypes.c_void_p
P = lambda a: ctypes.c_void_p.from_address(a).value or 0
U8 = lambda a: ctypes.c_ubyte.from_address(a).value
rt = ctypes.addressof(ctypes.c_char.in_dll(api, "_PyRuntime"))
interp, ts = api.PyInterpreterState_Get(), api.PyThreadState_Get()
assert P(rt + o["runtime_interp_head"]) == interp, "runtime_interp_head"
assert P(interp + o["interp_threads_head"]) == ts, "interp_threads_head"
tid = threading.get_ident() if o["pthread_id"] else threading.get_native_id()
assert ctypes.c_ulong.from_address(ts + o["tstate_native_tid"]).value == tid, "thread id"
VP = ctypes.c_void_p
def probe():  # reads inline: a Python-level helper call would be the current frame
    cf = api.PyThreadState_Get()
    if o["tstate_cframe"] != 0xffff:
        cf = VP.from_address(cf + o["tstate_cframe"]).value
    fr = VP.from_address(cf + o["cframe_frame"]).value
    return (fr, VP.from_address(fr + o["frame_code"]).value,
            VP.from_address(fr + o["frame_previous"]).value,
            VP.from_address(fr + o["frame_instr"]).value)
fr, code, prev, instr = probe()
assert code == id(probe.__code__), "frame_code"
assert P(prev + o["frame_code"]) == id(sys._getframe().f_code), "frame_previous"
if o["frame_objects"]:  # before 3.11: a frame object per eval-loop call, f_lasti an int
    instr = code + o["code_first_instr"] + ctypes.c_int.from_address(fr + o["frame_instr"]).value
elif o["frame_is_entry"] != 0xffff:  # 3.11: the module's frame began this eval-loop call
    assert U8(fr + o["frame_is_entry"]) == 0 and U8(prev + o["frame_is_entry"]) == 1, "is_entry"
else:  # later: a shim frame owned by the C stack comes before it
    assert U8(fr + o["frame_owner"]) != o["owner_cstack"], "owner"
    assert U8(P(prev + o["frame_previous"]) + o["frame_owner"]) == o["owner_cstack"], "shim"
assert 0 <= instr - code - o["code_first_instr"] < len(probe.__code__.co_code), "first instr"
c = id(probe.__code__)
def s(a):
    n = ctypes.c_ulong.from_address(a + o["str_length"]).value
    return ctypes.string_at(a + o["str_ascii_data"], n).decode()
assert s(P(c + o["code_qualname"])) == "probe", "code_qualname"
assert s(P(c + o["code_filename"])) == __file__, "code_filename"
assert ctypes.c_int.from_address(c + o["code_firstlineno"]).value == probe.__code__.co_firstlineno
lt = P(c + o["code_linetable"])
n = ctypes.c_ulong.from_address(lt + o["bytes_size"]).value
table = probe.__code__.co_lnotab if sys.version_info < (3, 10) else probe.__code__.co_linetable
assert ctypes.string_at(lt + o["bytes_data"], n) == table, "line table"
print("offsets ok")
""" % off
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "hostprof_py_offsets.py")
    with open(path, "w") as f:
        f.write(check)
    p = subprocess.run(list(python(version)) + [path], capture_output=True, text=True)
    assert p.returncode == 0 and "offsets ok" in p.stdout, p.stderr


def check_chain(version):
    r, lines = profile(version, "chain")
    chain = [frame("outer", "return middle(deadline)"),
             frame("middle", "return Worker().inner(deadline)"),
             frame("Worker.inner", "return recurse(5, deadline)", version)] + \
        [frame("recurse", "return recurse(n - 1, deadline)")] * 5 + \
        [frame("recurse", "return leaf_burn(deadline)")]
    leaf = {frame("leaf_burn", "for i in range(2000):"),
            frame("leaf_burn", "x += i * i  # LEAF_LINE"),
            frame("leaf_burn", "while time.monotonic() < deadline:")}

    def ok(frames):
        py = py_frames(frames)
        return (contains_in_order(py, chain) and py[-1] in leaf
                # the interpreter's own native frames below, from _start
                and contains_in_order(frames[1:3], ["_start", "__libc_start_main"])
                and frames.index("Py_RunMain") < frames.index(py[0]))

    assert_share(lines, ok, 200, 0.9, "python chain %s" % chain)
    # pprof: functions with their file, lines on the locations, as go tool pprof shows them
    text = decode_pprof(pprof_bytes(r.pprof_path))
    strings = re.findall(r'string_table: "(.*)"', text)
    fns = {}
    for m in re.finditer(r"function \{\n\s+id: (\d+)\n\s+name: (\d+)\n(?:\s+system_name: \d+\n)?"
                         r"\s+filename: (\d+)", text):
        fns[int(m.group(1))] = (strings[int(m.group(2))], strings[int(m.group(3))])
    leafs = [fid for fid, (n, fn) in fns.items() if n == "leaf_burn"]
    assert leafs and fns[leafs[0]][1] == SCRIPT, fns
    line_nos = {int(m.group(2)) for m in re.finditer(
        r"line \{\n\s+function_id: (\d+)\n\s+line: (\d+)", text) if int(m.group(1)) in leafs}
    assert line_nos & {line_of("x += i * i  # LEAF_LINE"), line_of("for i in range(2000):")}, \
        line_nos


def check_c_extension(version):
    lines = profile(version, "hash")[1]
    caller = [frame("outer_hash", "hash_burn(deadline)"),
              frame("hash_burn", "hashlib.sha256(data).digest()")]

    def ok(frames):
        if not contains_in_order(py_frames(frames), caller):
            return False
        below = frames[frames.index(caller[-1]) + 1:]
        # hashing runs in OpenSSL, under the Python frame that called it; no Python frame below
        return any("SHA256" in f or "sha256" in f or "libcrypto" in f for f in below) and \
            not any("(py_chain.py:" in f for f in below)

    assert_share(lines, ok, 200, 0.8, "hashlib under hash_burn")


def check_threads(version):
    lines = profile(version, "threads")[1]
    main_chain = [frame("outer", "return middle(deadline)"), frame("middle", "return Worker().inner(deadline)")]
    other = [frame("alpha", "return beta(deadline)"), frame("beta", "return spin_b(deadline)")]
    mains = sum(n for f, n in lines if contains_in_order(py_frames(f), main_chain))
    others = sum(n for f, n in lines if contains_in_order(py_frames(f), other))
    total = sum(n for _, n in lines)
    assert mains > 0.2 * total and others > 0.2 * total, (mains, others, total)
    mixed = [f for f, _ in lines if contains_in_order(py_frames(f), main_chain) and any(
        "alpha (" in x or "spin_b (" in x for x in f)]
    assert not mixed, "a thread's stack shows another's frames: %s" % mixed[:2]
    # the second thread's stack starts at its thread start in libc (clone3; __clone in
    # older glibc; an unnamed libc frame where libc has no symbol for it), not at _start
    thread_roots = {f[1] for f, _ in lines if contains_in_order(py_frames(f), other)}
    assert thread_roots and thread_roots <= {"clone3", "clone", "__clone", "[libc.so.6]"}, \
        thread_roots


def test_python_in_its_own_mount_namespace():
    """As in a container: the interpreter and the script exist only in the process's own
    mount namespace (a tmpfs the host does not see), so everything is read through /proc."""
    hidden = "/opt/hostprof-py-ns"
    os.makedirs(hidden, exist_ok=True)
    cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
           "mount -t tmpfs none {d} && cp {py} {d}/python3.11 && cp {s} {d}/py_chain.py && "
           "exec {d}/python3.11 {d}/py_chain.py chain 10".format(d=hidden, py=PYTHON, s=SCRIPT)]
    with Workloads(cmd) as procs:
        import time
        time.sleep(1)  # until sh has exec'd the interpreter
        assert not os.listdir(hidden), "the tmpfs must not be visible here"
        r = run_hostprof(["-F", "199", "-d", "3", "--pid", str(procs[0].pid)])
    chain = ["outer (py_chain.py:%d)" % line_of("return middle(deadline)"),
             "middle (py_chain.py:%d)" % line_of("return Worker().inner(deadline)")]
    assert_share(r.lines_of("python3.11"), lambda f: contains_in_order(f, chain), 200, 0.9,
                 "python chain in another mount namespace")


def test_otlp_locations_carry_cpython_frame_type_and_lines():
    from intake import Intake, parse_otlp
    with Intake(parse=parse_otlp) as rx, \
            Workloads([PYTHON, SCRIPT, "chain", "10"]) as procs:
        run_hostprof(["-F", "199", "-d", "2", "--pid", str(procs[0].pid), "--otlp-endpoint",
                      rx.url, "--upload-period", "60"])
    (req,) = rx.accepted()
    d = req["otlp"]["dictionary"][0]
    strings = d["string_table"]
    attrs = [(strings[a["key_strindex"][0]], a["value"][0].get("string_value", [None])[0])
             for a in d["attribute_table"][1:]]
    leaf_lines = set()
    for loc in d["location_table"][1:]:
        fn = d["function_table"][loc["lines"][0]["function_index"][0]]
        if strings[fn["name_strindex"][0]] != "leaf_burn":
            continue
        kinds = {attrs[i - 1] for i in loc["attribute_indices"]}
        assert ("profile.frame.type", "cpython") in kinds, kinds
        assert strings[fn["filename_strindex"][0]] == SCRIPT
        assert "mapping_index" not in loc, "python frames have no native mapping"
        leaf_lines.add(loc["lines"][0]["line"][0])
    assert leaf_lines & {line_of("x += i * i  # LEAF_LINE"), line_of("for i in range(2000):")}, \
        leaf_lines


def _for_version(check, version, what):
    def test():
        check(version)
    test.__name__ = "test_%s_python%s" % (what, version.replace(".", ""))
    return test


# one test per check and version, in this order
for _check, _what in ((check_offsets, "offsets_row_matches_the_running_interpreter"),
                      (check_chain, "chain_in_order_with_lines_between_native_frames"),
                      (check_c_extension, "c_extension_frames_under_their_python_caller"),
                      (check_threads, "threads_show_their_own_python_stacks")):
    for _v in VERSIONS:
        _t = _for_version(_check, _v, _what)
        globals()[_t.__name__] = _t


def test_python_recursion_deeper_than_the_limit_is_marked_truncated():
    """200 Python frames: the stack keeps its leaf end, up to the frame limit, and ends
    at its root side in a truncation marker instead of a made-up caller."""
    with Workloads([PYTHON, SCRIPT, "deep", "10", "200"]) as procs:
        r = run_hostprof(["-F", "199", "-d", "3", "--pid", str(procs[0].pid)])
    def ok(frames):
        py = py_frames(frames)
        return frames[1] == "[truncated: max depth]" and py[-1].startswith("leaf_burn (") and \
            all(f.startswith("recurse (") for f in py[:-1]) and len(frames) - 1 >= 128

    assert_share(r.lines_of("python3.11"), ok, 200, 0.9, "deep python stack, truncated")
