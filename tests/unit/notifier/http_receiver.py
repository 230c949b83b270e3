#!/usr/bin/env python3
"""A webhook endpoint for the notifier tests (stdlib only).

Listens on 127.0.0.1 at a free port, prints "READY <port>" on stdout, then
records every request (method, path, headers, body, tls) as one JSON line in
--record and answers with the statuses of --status in turn (the last one
repeats). The status "hang" never answers (a dead endpoint that accepted the
connection). --tls-cert/--tls-key serve https instead of http.
"""
import argparse
import http.server
import json
import ssl
import sys
import threading
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--record", required=True)
    p.add_argument("--status", default="200")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()
    statuses = args.status.split(",")
    lock = threading.Lock()
    count = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                index = count[0]
                count[0] += 1
                status = statuses[min(index, len(statuses) - 1)]
                record = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k: v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", "replace"),
                    "tls": args.tls_cert is not None,
                }
                with open(args.record, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            if status == "hang":
                time.sleep(120)
                return
            code = int(status)
            reply = (b"ok" if code < 300 else b"error %d from test receiver" % code)
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply)

        do_POST = do_PUT = do_GET = handle_any

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
