#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# A local HTTP server for test_push: records every request, exactly as it came, for the test to check.
#
#   http_sink.py PORT DIR [STATUS [CODE:TEXT]]
#
# Listens on 127.0.0.1:PORT; request N (from 1) goes to DIR/req-N.head ("METHOD PATH" then "Name: value"
# lines, as received) and DIR/req-N.body (the body's bytes), the .head written last so that its presence
# means the request is whole. Answers STATUS (default 200) with "ok"; with CODE:TEXT, a request whose body
# holds TEXT gets CODE instead (a server refusing one message, not the others).
import http.server
import os
import sys

port, outdir = int(sys.argv[1]), sys.argv[2]
status = int(sys.argv[3]) if len(sys.argv) > 3 else 200
refuse_code, _, refuse_text = sys.argv[4].partition(":") if len(sys.argv) > 4 else ("", "", "")
count = 0


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global count
        count += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        base = os.path.join(outdir, "req-%d" % count)
        with open(base + ".body", "wb") as f:
            f.write(body)
        head = "%s %s\n" % (self.command, self.path)
        head += "".join("%s: %s\n" % (k, v) for k, v in self.headers.items())
        with open(base + ".tmp", "w") as f:
            f.write(head)
        os.rename(base + ".tmp", base + ".head")
        code = status
        if refuse_text and refuse_text.encode() in body:
            code = int(refuse_code)
        answer = b"ok" if code < 300 else b"denied by the test"
        self.send_response(code)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Sink).serve_forever()
