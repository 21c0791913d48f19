#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# A local SMTP server for test_push (aiosmtpd, Debian's python3-aiosmtpd): records every message it accepts.
#
#   smtp_sink.py PORT DIR CERT KEY      STARTTLS offered and required before MAIL (require_starttls)
#   smtp_sink.py PORT DIR --no-tls      no STARTTLS at all: camvault must refuse to send
#
# Message N (from 1) goes to DIR/msg-N.eml (the bytes as received), with DIR/msg-N.env ("from ADDR", one
# "to ADDR" per recipient, "tls yes|no"), written last so that its presence means the message is whole.
import os
import ssl
import sys
import threading

from aiosmtpd.controller import Controller

port, outdir = int(sys.argv[1]), sys.argv[2]
count = 0


class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        base = os.path.join(outdir, "msg-%d" % count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        env = "from %s\n" % envelope.mail_from
        env += "".join("to %s\n" % r for r in envelope.rcpt_tos)
        env += "tls %s\n" % ("yes" if session.ssl else "no")
        with open(base + ".tmp", "w") as f:
            f.write(env)
        os.rename(base + ".tmp", base + ".env")
        return "250 Message accepted"


if sys.argv[3] == "--no-tls":
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
else:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True)
controller.start()
threading.Event().wait()  # until the test's SIGTERM
