#!/usr/bin/python3
"""A scripted SMTP server for SmtpRelayClient's tests, built on Debian's python3-aiosmtpd.

Listens on 127.0.0.1 (a free port), prints "PORT <n>" on stdout, and exits when its stdin closes, so it
never outlives the test that started it. Every command it receives goes to OUT/transcript.log as
"<connection> tls=<0|1> buffered=<octets already waiting> <command line>"; buffered > 0 at MAIL shows the
client pipelined. Every message accepted goes to OUT/msg-<n>.eml (the octets after dot-unstuffing) and
OUT/msg-<n>.json (envelope, TLS, AUTH user).

Run with /usr/bin/python3: the module is Debian's, not the pyenv python's.
"""
import argparse
import asyncio
import functools
import itertools
import json
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True, help="directory for the transcript and the messages")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (any 127.x.y.z works on Linux)")
    p.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    p.add_argument("--tls-cert", help="PEM certificate: offer STARTTLS")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p.add_argument("--no-8bitmime", action="store_true", help="do not announce 8BITMIME")
    p.add_argument("--pipelining", action="store_true", help="announce PIPELINING")
    p.add_argument("--smtputf8", action="store_true", help="announce SMTPUTF8")
    p.add_argument("--size", type=int, default=0, help="SIZE limit to announce and enforce (0: none)")
    p.add_argument("--auth", help="USER:PASSWORD accepted by AUTH")
    p.add_argument("--auth-mechanisms", default="PLAIN,LOGIN", help="mechanisms to offer")
    p.add_argument("--auth-plaintext", action="store_true", help="offer AUTH without TLS too")
    p.add_argument("--auth-required", action="store_true", help="refuse MAIL before AUTH (530)")
    p.add_argument("--rcpt-reply", action="append", default=[], metavar="ADDRESS=REPLY",
                   help='scripted reply to RCPT TO:<ADDRESS>, e.g. "b@example.net=450 4.2.1 busy"')
    p.add_argument("--rcpt-reply-once", action="append", default=[], metavar="ADDRESS=REPLY",
                   help="like --rcpt-reply, for the first RCPT TO:<ADDRESS> only (a 4xx that goes away)")
    p.add_argument("--max-rcpts", type=int, default=0,
                   help="recipients per transaction; the excess gets 452 4.5.3 (RFC 5321 4.5.3.1.10)")
    p.add_argument("--data-reply", help="reply after the message instead of 250")
    p.add_argument("--close-in-data", action="store_true", help="close the connection after the first line of content")
    return p.parse_args()


class Recorder:
    def __init__(self, out):
        self.out = out
        self.messages = itertools.count(1)
        self.connections = itertools.count(1)
        self.transcript = open(os.path.join(out, "transcript.log"), "a", buffering=1)

    def command(self, connection, tls, buffered, line):
        self.transcript.write(f"{connection} tls={1 if tls else 0} buffered={buffered} {line}\n")


class Handler:
    def __init__(self, args, recorder):
        self.args = args
        self.recorder = recorder
        self.rcpt_replies = {}
        for item in args.rcpt_reply:
            address, _, reply = item.partition("=")
            self.rcpt_replies[address.lower()] = reply
        self.rcpt_replies_once = {}
        for item in args.rcpt_reply_once:
            address, _, reply = item.partition("=")
            self.rcpt_replies_once[address.lower()] = reply

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname          # the 5-argument hook must do this itself
        lines = [r for r in responses if not (self.args.no_8bitmime and r.endswith("8BITMIME"))]
        if self.args.pipelining:
            lines.insert(1, "250-PIPELINING")
        return lines

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies_once.pop(address.lower(), None) or self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        if self.args.max_rcpts and len(envelope.rcpt_tos) >= self.args.max_rcpts:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.recorder.messages)
        base = os.path.join(self.recorder.out, f"msg-{n}")
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        login = session.login_data
        meta = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "mailOptions": envelope.mail_options,
            "tls": server._tls_protocol is not None,
            "auth": login.decode() if isinstance(login, bytes) else login,
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return self.args.data_reply or f"250 2.0.0 Ok: queued as {n}"


class PeerSMTP(SMTP):
    """aiosmtpd's SMTP with every command recorded, and the close-in-data misbehaviour."""

    def __init__(self, handler, recorder, close_in_data, **kwargs):
        super().__init__(handler, **kwargs)
        self.connection = next(recorder.connections)
        for name, method in list(self._smtp_methods.items()):
            self._smtp_methods[name] = self._recorded(name, method, recorder)
        if close_in_data:
            self._smtp_methods["DATA"] = self._recorded("DATA", self._close_in_data, recorder)

    def _recorded(self, name, method, recorder):
        @functools.wraps(method)
        async def wrapper(arg):
            buffered = len(self._reader._buffer)
            recorder.command(self.connection, self._tls_protocol is not None, buffered,
                             name if arg is None else f"{name} {arg}")
            return await method(arg)
        return wrapper

    async def _close_in_data(self, arg):
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")
        self.transport.close()


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode() and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return authenticator


async def serve(args):
    recorder = Recorder(args.out)
    handler = Handler(args, recorder)
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    options = dict(hostname="peer.test", data_size_limit=args.size or None, tls_context=tls,
                   enable_SMTPUTF8=args.smtputf8, auth_require_tls=not args.auth_plaintext,
                   auth_required=args.auth_required)
    if args.auth:
        user, _, password = args.auth.partition(":")
        options["authenticator"] = make_authenticator(user, password)
        offered = set(args.auth_mechanisms.split(","))
        options["auth_exclude_mechanism"] = [m for m in ("PLAIN", "LOGIN") if m not in offered]
    else:
        options["auth_exclude_mechanism"] = ["PLAIN", "LOGIN"]

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: PeerSMTP(handler, recorder, args.close_in_data, loop=loop, **options), args.host, args.port)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main():
    args = parse_args()
    # The test holds our stdin open; when it goes away (the test ended, or crashed), so do we.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
