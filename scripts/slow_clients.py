"""Slow and idle clients against `fixlog serve --demo` (driven by scripts/slow-clients.sh).

Measures the p99 latency of GET /api/v1/entries?limit=100 on an idle server, then holds
SSE_COUNT idle RFC 8639 subscriptions (establish-subscription, then GET of the returned URI,
never read) and SLOWLORIS_COUNT connections that send a request head one line every two
seconds, spread over many 127.0.0.x source addresses; while they are held it measures the
same p99 again, publishes releases and samples the server's RSS from /proc. A handful of
subscriptions are read, to show that live events still arrive.

Exit 0 when every publish succeeded, loaded p99 <= 2 x unloaded p99 (with a 5 ms floor for
the unloaded value, below which scheduler noise dominates), all subscriptions were held,
the server closed slowloris connections (header timeout) and its RSS stayed under the bound.
"""

import argparse
import asyncio
import hashlib
import http.client
import json
import multiprocessing
import os
import pathlib
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SN = "ietf-subscribed-notifications"


def rss_kib(pid):
    fields = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def p99_ms(host, port, samples):
    connection = http.client.HTTPConnection(host, port, timeout=30)
    timings = []
    for number in range(samples + 20):
        started = time.perf_counter()
        connection.request("GET", "/api/v1/entries?limit=100")
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200 or not body:
            raise SystemExit(f"GET /api/v1/entries: HTTP {response.status}")
        if number >= 20:  # warm-up
            timings.append(elapsed)
    connection.close()
    timings.sort()
    return timings[int(len(timings) * 0.99) - 1], statistics.median(timings)


def publish(host, port, token, number):
    digest = lambda kind: hashlib.sha256(f"{kind} slow {number}".encode()).hexdigest()
    body = json.dumps({
        "product": "dcs-c200",
        "version": f"91.7.{number}.1",
        "release_date": "2026-01-15",
        "images": [{"name": f"C200_91.7.{number}.1.upd", "size": 1000 + number,
                    "sha256": digest("sha256"), "sha3_256": digest("sha3")}],
        "fixes": [],
    })
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("POST", "/api/v1/releases", body=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    return status, head, int(length.group(1)) if length else None


async def subscribe(host, port, source, sample, counters, held):
    """Establishes one subscription from `source` and opens its event stream."""
    body = json.dumps({f"{SN}:input": {"stream": "fwsec-log"}}).encode()
    reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
    writer.write(
        f"POST /restconf/operations/{SN}:establish-subscription HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/yang-data+json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n".encode() + body)
    await writer.drain()
    status, _, length = await read_head(reader)
    reply = await reader.readexactly(length) if length else await reader.read()
    writer.close()
    if status != 200:
        counters["establish_failed"] += 1
        counters.setdefault("establish_status", {}).setdefault(status, 0)
        counters["establish_status"][status] += 1
        return
    uri = json.loads(reply)[f"{SN}:output"]["ietf-restconf-subscribed-notifications:uri"]
    path = "/" + uri.split("/", 3)[3]
    reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n"
                 .encode())
    await writer.drain()
    status, _, _ = await read_head(reader)
    if status != 200:
        counters["stream_failed"] += 1
        writer.close()
        return
    counters["streams_open"] += 1
    held.append(writer)
    if sample:
        while True:
            line = await reader.readline()
            if not line:
                counters["sampled_closed"] += 1
                return
            if line.startswith(b"data:") and b"firmware-security-update" in line:
                counters["sampled_events"] += 1


async def slowloris(host, port, source, counters, stop):
    """Sends a request head one line every two seconds; reconnects when the server hangs up."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
        except OSError:
            counters["slowloris_connect_failed"] += 1
            await asyncio.sleep(1)
            continue
        counters["slowloris_open"] += 1
        try:
            writer.write(b"GET /api/v1/entries HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
            number = 0
            while not stop.is_set():
                closed = asyncio.ensure_future(reader.read(1024))
                done, _ = await asyncio.wait({closed}, timeout=2)
                if done:
                    counters["slowloris_closed_by_server"] += 1
                    break
                closed.cancel()
                writer.write(f"X-Slow-{number}: a\r\n".encode())
                await writer.drain()
                number += 1
        except (ConnectionError, OSError):
            counters["slowloris_closed_by_server"] += 1
        finally:
            counters["slowloris_open"] -= 1
            writer.close()


def hold(host, port, sse_count, slowloris_count, addresses, ready, done, results):
    async def main():
        counters = {name: 0 for name in (
            "establish_failed", "stream_failed", "streams_open", "sampled_events",
            "sampled_closed", "slowloris_open", "slowloris_closed_by_server",
            "slowloris_connect_failed")}
        held = []
        stop = asyncio.Event()
        sources = [f"127.0.0.{2 + n}" for n in range(addresses)]
        gate = asyncio.Semaphore(64)
        samplers = []

        async def one(number):
            async with gate:
                sample = number % max(1, sse_count // 10) == 0
                task = subscribe(host, port, sources[number % addresses], sample, counters, held)
                if sample:
                    samplers.append(asyncio.ensure_future(task))
                else:
                    try:
                        await task
                    except (OSError, asyncio.IncompleteReadError) as error:
                        counters["establish_failed"] += 1
                        counters["last_error"] = repr(error)

        started = time.monotonic()
        await asyncio.gather(*(one(n) for n in range(sse_count)))
        counters["establish_seconds"] = round(time.monotonic() - started, 1)
        lorises = [asyncio.ensure_future(slowloris(host, port, sources[n % addresses],
                                                   counters, stop))
                   for n in range(slowloris_count)]
        await asyncio.sleep(3)
        results.put(dict(counters))
        ready.set()
        while not done.is_set():
            await asyncio.sleep(0.2)
        counters["streams_still_open"] = sum(1 for w in held if not w.is_closing())
        stop.set()
        results.put(dict(counters))
        for writer in held:
            writer.close()
        for task in lorises + samplers:
            task.cancel()

    asyncio.run(main())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--sse", type=int, default=5000)
    parser.add_argument("--slowloris", type=int, default=500)
    parser.add_argument("--addresses", type=int, default=200)
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--hold", type=float, default=15, help="seconds to hold the load")
    parser.add_argument("--rss-limit-mib", type=int, default=1024)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="fixlog-slow.")
    database = f"sqlite://{work}/log.db"
    env = dict(os.environ, FIXLOG_LOG="error")
    server = subprocess.Popen(
        [args.binary, "serve", "--demo", "--db", database, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = server.stdout.readline()
        match = re.search(r"listening on http://([\d.]+):(\d+)", line)
        if not match:
            raise SystemExit(f"server did not start: {line!r}")
        host, port = match.group(1), int(match.group(2))
        token = subprocess.run(
            [args.binary, "token", "create", "--db", database, "--role", "publisher",
             "--name", "slow-clients"], check=True, capture_output=True, text=True,
            env=env).stdout.strip()

        unloaded_p99, unloaded_median = p99_ms(host, port, args.samples)
        rss_before = rss_kib(server.pid)

        context = multiprocessing.get_context("fork")
        ready, done, results = context.Event(), context.Event(), context.Queue()
        holder = context.Process(target=hold, args=(
            host, port, args.sse, args.slowloris, args.addresses, ready, done, results))
        holder.start()
        if not ready.wait(timeout=300):
            raise SystemExit("the holder did not get its connections up within 300 s")
        held = results.get()

        load_started = time.monotonic()
        loaded_p99, loaded_median = p99_ms(host, port, args.samples)
        statuses = [publish(host, port, token, n) for n in range(args.publishes)]
        rss_loaded = rss_kib(server.pid)
        remaining = args.hold - (time.monotonic() - load_started)
        if remaining > 0:
            time.sleep(remaining)
        rss_after = rss_kib(server.pid)
        done.set()
        final = results.get(timeout=60)
        holder.join(timeout=30)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    published = sum(1 for status in statuses if status == 201 or status == 200)
    floor = max(unloaded_p99, 5.0)
    figures = {
        "sse_requested": args.sse,
        "sse_streams_open": held["streams_open"],
        "sse_streams_still_open_at_end": final.get("streams_still_open"),
        "establish_failed": held["establish_failed"],
        "establish_seconds": held.get("establish_seconds"),
        "source_addresses": args.addresses,
        "slowloris_connections": args.slowloris,
        "slowloris_closed_by_server": final["slowloris_closed_by_server"],
        "sampled_subscriptions_events": final["sampled_events"],
        "unloaded_p99_ms": round(unloaded_p99, 2),
        "unloaded_median_ms": round(unloaded_median, 2),
        "loaded_p99_ms": round(loaded_p99, 2),
        "loaded_median_ms": round(loaded_median, 2),
        "p99_ratio": round(loaded_p99 / unloaded_p99, 2),
        "publishes_ok": f"{published}/{args.publishes}",
        "publish_statuses": sorted(set(statuses)),
        "rss_before_mib": round(rss_before["VmRSS"] / 1024, 1),
        "rss_loaded_mib": round(rss_loaded["VmRSS"] / 1024, 1),
        "rss_after_mib": round(rss_after["VmRSS"] / 1024, 1),
        "rss_peak_mib": round(rss_after["VmHWM"] / 1024, 1),
    }
    print(json.dumps(figures, indent=1))
    failures = []
    if published != args.publishes:
        failures.append(f"publishes: {published}/{args.publishes} succeeded ({statuses})")
    if held["streams_open"] != args.sse:
        failures.append(f"only {held['streams_open']} of {args.sse} subscriptions held: {held}")
    if loaded_p99 > 2 * floor:
        failures.append(f"loaded p99 {loaded_p99:.1f} ms > 2 x {floor:.1f} ms")
    if args.slowloris and final["slowloris_closed_by_server"] == 0:
        failures.append("no slowloris connection was closed by the server")
    if final["sampled_events"] == 0 and args.publishes:
        failures.append("no sampled subscription received a live event")
    if rss_after["VmHWM"] > args.rss_limit_mib * 1024:
        failures.append(f"peak RSS {rss_after['VmHWM'] // 1024} MiB > {args.rss_limit_mib} MiB")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
