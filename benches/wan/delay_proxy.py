#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that delays every chunk by RTT/2 in each
direction, keeping order: a stand-in for a far-away network on a machine
whose kernel has no netem (`tc qdisc ... netem` needs CONFIG_NET_SCH_NETEM).

    delay_proxy.py --rtt-ms 25 3201:2201 3202:2202 ...

Each LISTEN:TARGET pair listens on 127.0.0.1:LISTEN and connects to
127.0.0.1:TARGET. Bandwidth is not limited: only latency is added.
"""

import argparse
import asyncio
import time


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk sent `delay` seconds after it
    arrived (in arrival order)."""
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            await queue.put((time.monotonic() + delay, data))
    finally:
        await queue.put((time.monotonic() + delay, None))
        try:
            await sender
        except (ConnectionError, OSError):
            pass


async def handle(client_reader, client_writer, target, delay):
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(
        pump(client_reader, up_writer, delay),
        pump(up_reader, client_writer, delay),
        return_exceptions=True,
    )


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument("pairs", nargs="+", help="LISTEN:TARGET")
    args = parser.parse_args()
    delay = args.rtt_ms / 2000.0
    servers = []
    for pair in args.pairs:
        listen, target = (int(p) for p in pair.split(":"))
        server = await asyncio.start_server(
            lambda r, w, t=target: handle(r, w, t, delay), "127.0.0.1", listen
        )
        servers.append(server)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
