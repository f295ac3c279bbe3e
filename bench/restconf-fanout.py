#!/usr/bin/env python3
"""RESTCONF fan-out benchmark (not a test): N concurrent SSE subscribers on one
`fixlog serve --demo`; publishes entries and measures publish -> delivery at every
subscriber (p50/p99 over all subscriber x entry pairs), publish latency while they are
connected, and server memory per subscriber (RSS delta / N).

    bench/restconf-fanout.sh [N] [ENTRIES]    # raises ulimit -n, then runs this
"""
import asyncio, json, os, re, subprocess, sys, tempfile, time, urllib.request

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
ENTRIES = int(sys.argv[2]) if len(sys.argv) > 2 else 20
BIN = os.environ.get("FIXLOG_BIN", "/work/target/release/fixlog")
SN = "ietf-subscribed-notifications"


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


def post(url, body, token=None, ctype="application/yang-data+json"):
    headers = {"Content-Type": ctype}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


async def subscriber(host, port, path, arrivals, ready):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    ready.release()
    buffer = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return
        buffer += chunk
        for seq in re.findall(rb'"sequence-number":(\d+)', buffer):
            arrivals.setdefault(int(seq), []).append(time.monotonic())
        buffer = buffer[buffer.rfind(b"\n") + 1:] if b'"sequence-number"' in buffer else buffer[-4096:]


async def main():
    directory = tempfile.mkdtemp()
    db = f"sqlite://{directory}/bench.db"
    env = {**os.environ, "FIXLOG_RESTCONF_MAX_PER_CLIENT": str(N + 10), "FIXLOG_RESTCONF_IDLE_SECS": "600",
           "FIXLOG_RESTCONF_KEEPALIVE_SECS": "30", "FIXLOG_LOG": "warn"}
    server = subprocess.Popen([BIN, "serve", "--demo", "--db", db, "--listen", "127.0.0.1:0"],
                              stdout=subprocess.PIPE, text=True, env=env)
    base = re.match(r"listening on (\S+)", server.stdout.readline()).group(1)
    host, port = base.removeprefix("http://").split(":")
    token = subprocess.run([BIN, "token", "create", "--db", db, "--role", "editor"],
                           capture_output=True, text=True, check=True).stdout.strip()
    # Warm up (the hub starts on first use), then measure the baseline.
    post(f"{base}/restconf/operations/{SN}:establish-subscription", {f"{SN}:input": {"stream": "fwsec-log"}})
    time.sleep(0.5)
    rss_before = rss_kib(server.pid)
    arrivals, ready = {}, asyncio.Semaphore(0)
    loop = asyncio.get_running_loop()
    tasks = []
    started = time.monotonic()
    for i in range(N):
        output = await loop.run_in_executor(None, post, f"{base}/restconf/operations/{SN}:establish-subscription",
                                            {f"{SN}:input": {"stream": "fwsec-log"}})
        uri = output[f"{SN}:output"]["ietf-restconf-subscribed-notifications:uri"]
        tasks.append(asyncio.create_task(subscriber(host, int(port), uri.removeprefix(base), arrivals, ready)))
    for _ in range(N):
        await ready.acquire()
    connect_seconds = time.monotonic() - started
    await asyncio.sleep(1)
    rss_after = rss_kib(server.pid)
    publish_times, latencies, publish_latency = {}, [], []
    for n in range(ENTRIES):
        t0 = time.monotonic()
        entry = await loop.run_in_executor(None, post, f"{base}/api/v1/products",
            {"id": f"bench-{n}", "name": "Bench", "device_class": "plc", "version_scheme": "semver",
             "lifecycle": "active"}, token, "application/json")
        publish_latency.append(time.monotonic() - t0)
        seq = entry.get("seq") or entry["entry"]["seq"]
        publish_times[seq] = t0
        deadline = time.monotonic() + 30
        while len(arrivals.get(seq, [])) < N and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
    all_delivered = 0
    for seq, t0 in publish_times.items():
        times = arrivals.get(seq, [])
        all_delivered += len(times) == N
        latencies += [t - t0 for t in times]
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    complete = sorted(max(arrivals.get(s, [t0])) - t0 for s, t0 in publish_times.items())
    print(json.dumps({
        "subscribers": N, "entries": ENTRIES, "connect_seconds": round(connect_seconds, 1),
        "entries_delivered_to_all": all_delivered,
        "delivery_ms_p50": round(q(0.50), 1), "delivery_ms_p99": round(q(0.99), 1),
        "all_subscribers_ms_p50": round(complete[len(complete) // 2] * 1000, 1),
        "all_subscribers_ms_max": round(complete[-1] * 1000, 1),
        "publish_ms_p50": round(sorted(publish_latency)[len(publish_latency) // 2] * 1000, 1),
        "publish_ms_max": round(max(publish_latency) * 1000, 1),
        "server_rss_kib_before": rss_before, "server_rss_kib_after": rss_after,
        "kib_per_subscriber": round((rss_after - rss_before) / N, 1),
    }, indent=1))
    server.terminate()
    for task in tasks:
        task.cancel()


asyncio.run(main())
