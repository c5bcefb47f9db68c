#!/usr/bin/python3
"""Hostile clients for slow_clients_test.sh: hundreds of connections that hold a server's slots.

usage: slow_clients_attack.py HOST PORT ROOT_PEM [--slowloris N] [--tls-idle N]
           [--tls-silent N] [--tcp-silent N] [--rst-per-wave N] [--attack S] [--drain S]

Kinds of client, all over TLS unless said otherwise:
  slowloris   sends a request head one byte per second (never the blank line)
  tls-idle    has one GET /health served, then keeps the keep-alive connection idle
  tls-silent  completes the TLS handshake and sends nothing
  tcp-silent  plain TCP to the TLS port: no ClientHello at all
  rst         sends the head of a 400 kB POST and half its body, then resets the connection
              (SO_LINGER 0), in waves, once a second

Every kind but rst reconnects a second after the server closes it (as slowloris tools do),
until --attack seconds have passed; then the remaining connections are left open and watched
for up to --drain seconds: the server must close every one of them. The report (JSON on stdout)
gives, per kind, how many connections were opened, how many the server closed, how many were
still open at the end, and the longest a connection lived (for slowloris: from its first request
byte to the server's close); and "peak_open", the most connections open at once.
"""
import argparse
import asyncio
import json
import socket
import ssl
import struct
import sys
import time


class Kind:
    def __init__(self):
        self.opened = 0
        self.connect_failures = 0
        self.closed_by_server = 0
        self.open_now = 0
        self.max_life = 0.0


def tls_context(root):
    ctx = ssl.create_default_context(cafile=root)
    ctx.check_hostname = False  # the CA's certificate names 127.0.0.1; we connect by IP anyway
    return ctx


async def wait_closed(reader, limit):
    """Waits until the server closes (EOF or reset): True, or False after `limit` seconds."""
    try:
        while True:
            data = await asyncio.wait_for(reader.read(4096), timeout=limit)
            if not data:
                return True
    except asyncio.TimeoutError:
        return False
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
        return True


class Attack:
    def __init__(self, args):
        self.args = args
        self.ctx = tls_context(args.root)
        self.kinds = {k: Kind() for k in ("slowloris", "tls-idle", "tls-silent", "tcp-silent", "rst")}
        self.attack_end = time.monotonic() + args.attack
        self.drain_end = self.attack_end + args.drain
        self.connect_gate = asyncio.Semaphore(64)  # bound the handshakes in flight
        self.open_now = 0  # all kinds: connections this side believes open
        self.peak_open = 0

    def attacking(self):
        return time.monotonic() < self.attack_end

    async def connect(self, kind, tls=True):
        k = self.kinds[kind]
        try:
            async with self.connect_gate:
                r, w = await asyncio.wait_for(
                    asyncio.open_connection(self.args.host, self.args.port,
                                            ssl=self.ctx if tls else None),
                    timeout=10)
        except (OSError, ssl.SSLError, asyncio.TimeoutError):
            # Refused at the cap, or evicted during the handshake: both are the server's right.
            k.connect_failures += 1
            return None, None
        k.opened += 1
        k.open_now += 1
        self.open_now += 1
        self.peak_open = max(self.peak_open, self.open_now)
        return r, w

    def closed(self, kind, w, life):
        k = self.kinds[kind]
        k.closed_by_server += 1
        k.open_now -= 1
        self.open_now -= 1
        k.max_life = max(k.max_life, life)
        w.transport.abort()

    async def hold(self, kind, r, w, since):
        """Holds a connection until the server closes it or the drain ends."""
        while True:
            left = self.drain_end - time.monotonic()
            if left <= 0:
                w.transport.abort()  # still open at the end: counted in open_now
                return
            if await wait_closed(r, min(left, 0.5)):
                self.closed(kind, w, time.monotonic() - since)
                return

    async def slowloris(self):
        while self.attacking():
            r, w = await self.connect("slowloris")
            if r is None:
                await asyncio.sleep(1)
                continue
            head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slowloris: " + b"a" * 10000
            first = time.monotonic()
            closed = False
            for i in range(len(head)):
                try:
                    w.write(head[i:i + 1])
                    await w.drain()
                except (OSError, ssl.SSLError):
                    closed = True
                    break
                if time.monotonic() >= self.drain_end:
                    break
                if await wait_closed(r, 1.0):
                    closed = True
                    break
            if closed:
                self.closed("slowloris", w, time.monotonic() - first)
            else:
                w.transport.abort()
            await asyncio.sleep(1)

    async def tls_idle(self):
        while self.attacking():
            r, w = await self.connect("tls-idle")
            if r is None:
                await asyncio.sleep(1)
                continue
            try:
                w.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                await w.drain()
                head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), timeout=10)
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await asyncio.wait_for(r.readexactly(length), timeout=10)
            except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                # Evicted before its request was served (it was incomplete at the cap).
                self.closed("tls-idle", w, 0)
                await asyncio.sleep(1)
                continue
            await self.hold("tls-idle", r, w, time.monotonic())
            await asyncio.sleep(1)

    async def silent(self, kind, tls):
        while self.attacking():
            r, w = await self.connect(kind, tls=tls)
            if r is None:
                await asyncio.sleep(1)
                continue
            await self.hold(kind, r, w, time.monotonic())
            await asyncio.sleep(1)

    async def rst_one(self):
        r, w = await self.connect("rst")
        if r is None:
            return
        k = self.kinds["rst"]
        try:
            w.write(b"POST /1.0/sign HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 400000\r\n\r\n")
            w.write(b"{" + b" " * 199999)
            await asyncio.wait_for(w.drain(), timeout=10)
        except (OSError, ssl.SSLError, asyncio.TimeoutError):
            pass
        sock = w.get_extra_info("socket")
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        w.transport.abort()  # close with SO_LINGER 0: a reset mid-body
        k.open_now -= 1
        self.open_now -= 1

    async def rst_waves(self):
        while self.attacking():
            await asyncio.gather(*(self.rst_one() for _ in range(self.args.rst_per_wave)))
            await asyncio.sleep(1)

    async def run(self):
        a = self.args
        tasks = [self.slowloris() for _ in range(a.slowloris)]
        tasks += [self.tls_idle() for _ in range(a.tls_idle)]
        tasks += [self.silent("tls-silent", True) for _ in range(a.tls_silent)]
        tasks += [self.silent("tcp-silent", False) for _ in range(a.tcp_silent)]
        if a.rst_per_wave > 0:
            tasks.append(self.rst_waves())
        await asyncio.gather(*tasks)
        report = {name: vars(k) for name, k in self.kinds.items()}
        report["peak_open"] = self.peak_open
        return report


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("root")
    p.add_argument("--slowloris", type=int, default=200)
    p.add_argument("--tls-idle", type=int, default=150)
    p.add_argument("--tls-silent", type=int, default=100)
    p.add_argument("--tcp-silent", type=int, default=150)
    p.add_argument("--rst-per-wave", type=int, default=25)
    p.add_argument("--attack", type=float, default=12)
    p.add_argument("--drain", type=float, default=10)
    args = p.parse_args()
    report = asyncio.run(Attack(args).run())
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
