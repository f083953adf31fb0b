"""A loopback TCP proxy that adds a fixed delay to every request, standing in for the round
trip from a classroom to AWS (the emulator on loopback answers in milliseconds and would hide
what concurrency buys). Each chunk the client sends waits DELAY before it is forwarded.
Usage: latency_proxy.py LISTEN_PORT UPSTREAM_PORT DELAY_MS"""
import asyncio, sys

listen, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000

async def pipe(reader, writer, wait):
    try:
        while data := await reader.read(65536):
            if wait:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()

async def handle(client_reader, client_writer):
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, up_writer, delay), pipe(up_reader, client_writer, 0))

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()

asyncio.run(main())
