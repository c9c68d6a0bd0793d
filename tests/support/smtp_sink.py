#!/usr/bin/python3
"""A local SMTP sink for notification tests: accepts every message on 127.0.0.1 and writes
each to DIR/<n>.eml (the envelope recipients first, as "X-Rcpt-To:" lines). Binds a free port
and writes it to DIR/port once it listens. Uses Debian's python3-aiosmtpd (SMTP parsing is
aiosmtpd's). Runs until killed. Usage: smtp_sink.py DIR"""
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, "%d.eml" % self.count)
        head = "".join("X-Rcpt-To: %s\r\n" % r for r in envelope.rcpt_tos)
        with open(path + ".tmp", "wb") as out:
            out.write(head.encode() + envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


async def main(folder):
    loop = asyncio.get_running_loop()
    sink = Sink(folder)
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(folder, "port.tmp"), "w") as out:
        out.write(str(port))
    os.rename(os.path.join(folder, "port.tmp"), os.path.join(folder, "port"))
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
