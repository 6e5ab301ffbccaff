"""HTTP intakes for tests: the Datadog profiling intake (parses each multipart
POST exactly) and an OTLP/HTTP profiles receiver (decodes each request with
protoc and the official schema). Both answer from a script of status codes
(then 200), for fault injection."""
import gzip
import http.server
import json
import re
import threading
import time


def parse_multipart(body, content_type):
    m = re.match(r"multipart/form-data; boundary=(\S+)$", content_type or "")
    assert m, "content type %r" % content_type
    delim = b"--" + m.group(1).encode()
    assert body.startswith(delim) and body.endswith(delim + b"--\r\n"), "framing"
    parts = {}
    for chunk in body[len(delim):-len(delim + b"--\r\n")].split(b"\r\n" + delim):
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, _, content = chunk.partition(b"\r\n\r\n")
        disp = re.search(rb'Content-Disposition: form-data; name="([^"]+)"; filename="([^"]+)"',
                         head)
        assert disp, "part headers %r" % head
        if content.endswith(b"\r\n"):
            content = content[:-2]
        parts[disp.group(1).decode()] = (disp.group(2).decode(), content)
    return parts


def parse_datadog(rec, body, headers):
    rec["parts"] = parse_multipart(body, headers.get("Content-Type"))
    rec["event"] = json.loads(rec["parts"]["event"][1])


def parse_otlp(rec, body, headers):
    from harness import decode_otlp, parse_textproto
    assert headers.get("Content-Type") == "application/x-protobuf", headers.get("Content-Type")
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    else:
        assert "Content-Encoding" not in headers, headers["Content-Encoding"]
    rec["otlp"] = parse_textproto(decode_otlp(body))


class Intake:
    """parse(rec, body, headers) fills rec from a request; an exception is kept in rec["error"]."""

    def __init__(self, script=(), retry_after=None, port=0, hang_first=None,
                 parse=parse_datadog, reply=b""):
        self.script = list(script)   # status codes to answer first
        self.retry_after = retry_after
        self.hang_first = hang_first  # seconds to stall the first request before answering
        self.reply = reply           # body of every 2xx answer
        self.requests = []           # every POST: dict(path, headers, status, time, event, parts)
        self.lock = threading.Lock()
        intake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with intake.lock:
                    hang, intake.hang_first = intake.hang_first, None
                if hang:
                    time.sleep(hang)  # the client gives up first; this answer is lost
                    with intake.lock:
                        intake.requests.append({"status": "hung", "time": time.monotonic()})
                    return
                with intake.lock:
                    status = intake.script.pop(0) if intake.script else 200
                    rec = {"path": self.path, "headers": dict(self.headers), "status": status,
                           "time": time.monotonic(), "body": body}
                    try:
                        parse(rec, body, self.headers)
                    except Exception as e:  # noqa: BLE001 - recorded for the test to see
                        rec["error"] = repr(e)
                    intake.requests.append(rec)
                self.send_response(status)
                if status == 429 and intake.retry_after is not None:
                    self.send_header("Retry-After", str(intake.retry_after))
                body = intake.reply if 200 <= status < 300 else b""
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def accepted(self):
        return [r for r in self.requests if r["status"] == 200]
