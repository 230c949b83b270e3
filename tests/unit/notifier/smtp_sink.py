#!/usr/bin/env python3
"""An SMTP server for the notifier tests (stdlib only).

Listens on 127.0.0.1 at a free port, prints "READY <port>" on stdout, and
speaks enough ESMTP for a real client: EHLO/HELO, STARTTLS (with --cert and
--key, unless --no-starttls), AUTH with the one mechanism of --auth (PLAIN or
LOGIN, checked against --user/--password), MAIL/RCPT/DATA (dot-unstuffed per
RFC 5321 4.5.2), RSET, NOOP, QUIT. With --require-tls, AUTH and MAIL are
refused (530) until STARTTLS. With --user, MAIL is refused until AUTH.

Every event is one JSON line in --record:
  {"type":"auth", "mech", "user", "ok", "tls"}
  {"type":"refused", "command", "reply", "tls"}
  {"type":"message", "tls", "auth_user", "auth_mech", "mail_from", "rcpt_to",
   "data" (raw, CRLF kept), "subject" (RFC 2047 decoded), "body" (decoded)}
"""
import argparse
import base64
import email
import email.header
import email.policy
import json
import socket
import socketserver
import ssl
import sys
import threading


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--record", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--no-starttls", action="store_true")
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--auth", default="PLAIN", choices=["PLAIN", "LOGIN"])
    p.add_argument("--user")
    p.add_argument("--password", default="")
    args = p.parse_args()
    lock = threading.Lock()
    ctx = None
    if args.cert and not args.no_starttls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)

    def record(obj):
        with lock, open(args.record, "a", encoding="utf-8") as f:
            f.write(json.dumps(obj) + "\n")

    class Session(socketserver.BaseRequestHandler):
        def setup(self):
            self.sock = self.request
            self.rfile = self.sock.makefile("rb")
            self.tls = False
            self.auth_user = None
            self.auth_mech = None
            self.reset()

        def reset(self):
            self.mail_from = None
            self.rcpt_to = []

        def send(self, line):
            self.sock.sendall(line.encode() + b"\r\n")

        def readline(self):
            line = self.rfile.readline(65536)
            if not line:
                raise EOFError
            return line

        def refuse(self, command, reply):
            record({"type": "refused", "command": command, "reply": reply, "tls": self.tls})
            self.send(reply)

        def handle(self):
            self.send("220 127.0.0.1 test sink ESMTP")
            try:
                while True:
                    line = self.readline().decode("utf-8", "replace").rstrip("\r\n")
                    verb = line.split(" ", 1)[0].upper()
                    if not self.command(verb, line):
                        break
            except (EOFError, ConnectionError, ssl.SSLError, OSError):
                pass

        def command(self, verb, line):
            if verb in ("EHLO", "HELO"):
                caps = ["127.0.0.1 hello"]
                if ctx is not None and not self.tls:
                    caps.append("STARTTLS")
                if args.user and (self.tls or not args.require_tls):
                    caps.append("AUTH " + args.auth)
                caps.append("8BITMIME")
                for c in caps[:-1]:
                    self.send("250-" + c)
                self.send("250 " + caps[-1])
            elif verb == "STARTTLS":
                if ctx is None or self.tls:
                    self.send("502 5.5.1 STARTTLS not offered")
                    return True
                self.send("220 2.0.0 ready to start TLS")
                self.sock = ctx.wrap_socket(self.sock, server_side=True)
                self.rfile = self.sock.makefile("rb")
                self.tls = True
                self.auth_user = None
                self.reset()
            elif verb == "AUTH":
                self.auth(line)
            elif verb == "MAIL":
                if args.require_tls and not self.tls:
                    self.refuse("MAIL", "530 5.7.0 Must issue a STARTTLS command first")
                elif args.user and not self.auth_user:
                    self.refuse("MAIL", "530 5.7.0 Authentication required")
                else:
                    self.mail_from = line.split(":", 1)[1].strip()
                    self.send("250 2.1.0 OK")
            elif verb == "RCPT":
                if self.mail_from is None:
                    self.refuse("RCPT", "503 5.5.1 MAIL first")
                else:
                    self.rcpt_to.append(line.split(":", 1)[1].strip())
                    self.send("250 2.1.5 OK")
            elif verb == "DATA":
                if not self.rcpt_to:
                    self.refuse("DATA", "503 5.5.1 RCPT first")
                    return True
                self.send("354 End data with <CR><LF>.<CR><LF>")
                self.data()
            elif verb == "RSET":
                self.reset()
                self.send("250 2.0.0 OK")
            elif verb == "NOOP":
                self.send("250 2.0.0 OK")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return False
            else:
                self.send("502 5.5.2 command not recognised")
            return True

        def auth(self, line):
            if args.require_tls and not self.tls:
                self.refuse("AUTH", "530 5.7.0 Must issue a STARTTLS command first")
                return
            parts = line.split()
            mech = parts[1].upper() if len(parts) > 1 else ""
            if not args.user or mech != args.auth:
                self.send("504 5.5.4 mechanism not offered")
                return
            try:
                if mech == "PLAIN":
                    if len(parts) > 2:
                        answer = parts[2]
                    else:
                        self.send("334 ")
                        answer = self.readline().decode().strip()
                    _, user, password = base64.b64decode(answer).decode().split("\0")
                else:
                    self.send("334 " + base64.b64encode(b"Username:").decode())
                    user = base64.b64decode(self.readline().strip()).decode()
                    self.send("334 " + base64.b64encode(b"Password:").decode())
                    password = base64.b64decode(self.readline().strip()).decode()
            except (ValueError, UnicodeDecodeError):
                self.send("501 5.5.2 cannot decode")
                return
            ok = user == args.user and password == args.password
            # The password itself is never recorded: the tests look for it in logs.
            record({"type": "auth", "mech": mech, "user": user, "ok": ok, "tls": self.tls})
            if ok:
                self.auth_user = user
                self.auth_mech = mech
                self.send("235 2.7.0 Authentication successful")
            else:
                self.send("535 5.7.8 Authentication credentials invalid")

        def data(self):
            lines = []
            while True:
                line = self.readline()
                if line == b".\r\n":
                    break
                if line.startswith(b"."):
                    line = line[1:]  # RFC 5321 4.5.2: the client doubled a leading dot
                lines.append(line)
            raw = b"".join(lines)
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            record({
                "type": "message", "tls": self.tls, "auth_user": self.auth_user,
                "auth_mech": self.auth_mech, "mail_from": self.mail_from, "rcpt_to": self.rcpt_to,
                "data": raw.decode("utf-8", "replace"),
                "subject": str(msg["Subject"]),
                "body": msg.get_content() if not msg.is_multipart() else "",
            })
            self.reset()
            self.send("250 2.0.0 queued")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Session)
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
