#!/usr/bin/env python3
"""sse_client.py - the benchmark's SSE client for GET /cells/{id}/flows.

  sse_client.py --url URL --mode count|latency --max-seconds S [--out FILE]

Connects, prints "READY" on stdout once the response headers are in, then reads
until SIGINT/SIGTERM or --max-seconds, and prints one line:

  CLIENT events=N lost_notices=N missed=N bytes=N secs=S first_to_last_s=S [lat_n=N lat_p50_us=.. lat_p99_us=.. lat_p999_us=.. lat_max_us=..]

count:   counts `event:flow.*` frames in the raw stream (cheap: bytes.count
         over whole chunks, so the client is not the bottleneck).
latency: also parses every `observed_at` (the kernel's first-packet time,
         CLOCK_MONOTONIC mapped to wall time by the service) and takes
         receive_time - observed_at with time.time_ns() when the chunk holding
         the event arrived. Same host, same clock source.
"""
import argparse
import calendar
import http.client
import signal
import sys
import time
import urllib.parse

class Stop(Exception):
    pass


def _stop(*_):
    raise Stop()


_minute_cache = {}


def rfc3339_ns(s):
    """'2026-11-22T00:49:54.303008808Z' -> epoch ns (UTC, 'Z' only, as Instant.toString prints)."""
    key = s[:16]  # YYYY-MM-DDTHH:MM
    base = _minute_cache.get(key)
    if base is None:
        base = calendar.timegm(time.strptime(key, "%Y-%m-%dT%H:%M")) * 1_000_000_000
        _minute_cache[key] = base
    sec = int(s[17:19])
    frac = 0
    if len(s) > 20 and s[19] == ".":
        digits = s[20:-1]
        frac = int((digits + "000000000")[:9])
    return base + sec * 1_000_000_000 + frac


def pct(sorted_vals, p):
    if not sorted_vals:
        return 0
    i = min(len(sorted_vals) - 1, max(0, int(round(p * (len(sorted_vals) - 1)))))
    return sorted_vals[i]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--mode", choices=("count", "latency"), default="count")
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--out", help="latency mode: write \"receive_epoch_ns latency_us\" per flow.opened here")
    a = ap.parse_args()
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGALRM, _stop)
    signal.alarm(max(1, int(a.max_seconds)))

    u = urllib.parse.urlsplit(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
    conn.request("GET", u.path, headers={"Accept": "text/event-stream"})
    resp = conn.getresponse()
    if resp.status != 200:
        print(f"CLIENT error=http_{resp.status}", flush=True)
        return 1
    print("READY", flush=True)

    t0 = time.monotonic()
    events = opened = lost = missed = nbytes = 0
    first = last = None
    lats = []
    recvs = []
    pending = b""
    key = b'"observed_at":"'
    conn.sock.settimeout(None)  # block; SIGINT/SIGTERM/SIGALRM end the read loop
    try:
        while True:
            chunk = resp.read1(1 << 20)
            if not chunk:
                break
            now = time.time_ns()
            nbytes += len(chunk)
            buf = pending + chunk
            cut = buf.rfind(b"\n\n") + 2  # whole frames only (0 when none is complete yet)
            cut = 0 if cut == 1 else cut
            pending = buf[cut:]
            whole = buf[:cut]
            n = whole.count(b"event:flow.")  # every flow event the service published (opened, updated, closed)
            if n:
                events += n
                m = time.monotonic()
                first = m if first is None else first
                last = m
            if b"event:lost" in whole:
                for line in whole.split(b"\n"):
                    if line.startswith(b"data:") and b'"missed"' in line:
                        lost += 1
                        tail = line.split(b'"missed":', 1)[1]
                        missed += int(tail.split(b",")[0].split(b"}")[0])
            if a.mode == "latency" and n:
                # only flow.opened: its observed_at is the packet that made the record; a flow.updated or
                # flow.closed carries the flow's first-packet time too, so its "latency" would be the flow's age
                for frame in whole.split(b"\n\n"):
                    if b"event:flow.opened\n" not in frame:
                        continue
                    opened += 1
                    i = frame.find(key)
                    if i >= 0:
                        j = i + len(key)
                        k = frame.index(b'"', j)
                        lats.append((now - rfc3339_ns(frame[j:k].decode())) / 1000.0)
                        if a.out:
                            recvs.append(now)
    except (Stop, OSError, http.client.HTTPException):
        pass
    signal.alarm(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    secs = time.monotonic() - t0
    out = (f"CLIENT events={events} lost_notices={lost} missed={missed} bytes={nbytes} secs={secs:.3f} "
           f"first_to_last_s={(last - first) if first is not None else 0:.3f}")
    if a.mode == "latency":
        s = sorted(lats)
        out += (f" opened={opened} lat_n={len(s)} lat_p50_us={pct(s, 0.5):.0f} lat_p99_us={pct(s, 0.99):.0f}"
                f" lat_p999_us={pct(s, 0.999):.0f} lat_max_us={(s[-1] if s else 0):.0f}")
        if a.out:
            with open(a.out, "w") as f:
                f.write("\n".join(f"{r} {v:.1f}" for r, v in zip(recvs, lats)))
    print(out, flush=True)
    try:
        conn.close()
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
