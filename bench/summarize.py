#!/usr/bin/env python3
"""summarize.py RAW [JMH_JSON] - the benchmark's one table (markdown) from bench/run.sh's raw.txt.

Each figure: min / median / max over the repetitions, cellflow beside the reference (the C harness in
../shared/perf-baseline, run in the same invocation), the ratio of the medians, the target and met/missed.
"""
import json
import os
import statistics
import sys
from collections import defaultdict


def load(path):
    runs = defaultdict(dict)  # (test, rep) -> fields
    for line in open(path):
        kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
        if "test" in kv and "rep" in kv:
            runs[(kv["test"], int(kv["rep"]))] = kv
    return runs


RUNS = load(sys.argv[1])
REPS = sorted({r for _, r in RUNS})


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def vals(test, key):
    out = []
    for r in REPS:
        v = num(RUNS.get((test, r), {}).get(key))
        if v is not None:
            out.append(v)
    return out


def ratio_vals(a, b, key="gen_pps"):
    out = []
    for r in REPS:
        x = num(RUNS.get((a, r), {}).get(key))
        y = num(RUNS.get((b, r), {}).get(key))
        if x and y:
            out.append(x / y)
    return out


def fmt(v, f):
    if v is None:
        return "n/a"
    return f.format(v)


def mmm(v, f):
    if not v:
        return "—"
    s = sorted(v)
    return f"{fmt(s[0], f)} / **{fmt(statistics.median(s), f)}** / {fmt(s[-1], f)}"


def med(v):
    return statistics.median(v) if v else None


ROWS = []


def row(label, cf, ref, f, target="", check=None):
    """check(cf_median, ref_median, ratio) -> bool, or None for an information row."""
    c, r = med(cf), med(ref)
    ratio = c / r if (c is not None and r) else None
    status = ""
    if check is not None:
        try:
            ok = check(c, r, ratio)
        except TypeError:  # a figure is missing
            ok = None
        status = "n/a" if ok is None else ("**met**" if ok else "**missed**")
    ROWS.append((label, mmm(cf, f), mmm(ref, f), fmt(ratio, "{:.2f}×") if ratio is not None else "—", target, status))


# --- throughput with existing flows
row("UDP pps, no program (1000 flows)", vals("udp_noprog", "gen_pps"), vals("udp_noprog", "gen_pps"), "{:.0f}")
row("UDP pps, monitored", vals("cf_agg", "gen_pps"), vals("ref_agg", "gen_pps"), "{:.0f}")
row("pps ratio monitored / unmonitored (same rep)", ratio_vals("cf_agg", "udp_noprog"),
    ratio_vals("ref_agg", "udp_noprog"), "{:.3f}", "≥ 0.97× ref", lambda c, r, q: q >= 0.97)
row("kernel ns/packet, existing flow (bpf_stats)", vals("cf_agg_st", "bpf_ns_per_run"),
    vals("ref_agg_st", "bpf_ns_per_run"), "{:.1f}", "≤ 1.1× ref", lambda c, r, q: q <= 1.1)
row("kernel ns/packet, new flow (bpf_stats, batched wakeup)", vals("cf_newflow_st", "bpf_ns_per_run"),
    vals("ref_newflow_wb_st", "bpf_ns_per_run"), "{:.1f}", "≤ 1.1× ref", lambda c, r, q: q <= 1.1)
# at the generator's max rate the consumer falls behind and a full table or ring makes a new flow cheaper; paced
# below what both consume, every packet is a successful insert plus a record
row("kernel ns/packet, new flow at ST_RATE (bpf_stats, paced)", vals("cf_newflow_paced_st", "bpf_ns_per_run"),
    vals("ref_newflow_paced_st", "bpf_ns_per_run"), "{:.1f}", "≤ 1.1× ref", lambda c, r, q: q <= 1.1)
row("new flows refused by a full flow table / ring, max-rate bpf_stats window",
    vals("cf_newflow_st", "flow_table_full_packets"), vals("ref_newflow_wb_st", "map_full"), "{:.0f}")
# --- new flows: one event per packet
row("new flows: generator pps at max rate", vals("cf_newflow", "gen_pps"), vals("ref_newflow_wb", "gen_pps"),
    "{:.0f}")
row("new flows: events/s delivered at max rate (SSE client / flowmon)", vals("cf_newflow", "ev_per_s"),
    vals("ref_newflow_wb", "ev_per_s"), "{:.0f}")
row("new flows: flow.opened/s delivered at max rate", vals("cf_newflow", "opened_per_s"), vals("ref_newflow_wb", "ev_per_s"),
    "{:.0f}")
row("new flows: drops at max rate", vals("cf_newflow", "drops"), vals("ref_newflow_wb", "drops"), "{:.0f}")
row("new flows: consumer CPU % at max rate (service / flowmon)", vals("cf_newflow", "cpu_pct"),
    vals("ref_newflow_wb", "cpu_pct"), "{:.1f}")
row("new flows: SSE client CPU % at max rate (same CPU as the service)", vals("cf_newflow", "client_cpu_pct"), [],
    "{:.1f}")
# where the service's CPU went in that window, by thread (/proc/PID/task/*/stat): the JIT's compiler threads are
# the JVM warming up, not the data path
for key, what in (("poller", "the poller thread"), ("drain", "the drain thread"), ("loop", "the HTTP event loops"),
                  ("gc", "GC threads"), ("jit", "JIT compiler threads"), ("other", "other threads")):
    row("new flows: service CPU % at max rate, " + what, vals("cf_newflow", "cpu_" + key + "_pct"), [], "{:.1f}")
# cellflow's events are flow.opened, flow.updated (only for a flow with packets its open did not report: none for
# the generator's one-packet flows) and flow.closed (after the idle timeout, outside the window); a reference record
# is one per new flow, as a flow.opened is: the target is judged on those
row("events/s (every flow.*) delivered with 0 drops", vals("cf_zero_drop", "ev_per_s"), vals("ref_zero_drop", "ev_per_s"),
    "{:.0f}")
row("new flows/s (flow.opened) delivered with 0 drops", vals("cf_zero_drop", "opened_per_s"),
    vals("ref_zero_drop", "ev_per_s"), "{:.0f}", "≥ 0.95× ref", lambda c, r, q: q >= 0.95)
row("consumer CPU % at that rate", vals("cf_zero_drop", "cpu"), vals("ref_zero_drop", "cpu"), "{:.1f}",
    "≤ 3× ref", lambda c, r, q: q <= 3.0)
row("drain: µs per 1k flows (lookup_and_delete_batch + processing, in traffic)", vals("cf_newflow", "drain_us_per_1k"),
    vals("ref_newflow_wb", "drain_us_per_1k"), "{:.0f}")
row("drain: flows drained in the new-flow window", vals("cf_newflow", "drained"), vals("ref_newflow_wb", "drained"),
    "{:.0f}")
# --- latency
lat_rate = [v for v in vals("cf_latency", "gen_pps")]
for key, label, tgt in (("client_lat_p50_us", "p50", None), ("client_lat_p99_us", "p99", 5.0),
                        ("client_lat_p999_us", "p999", None)):
    ms = [v / 1000 for v in vals("cf_latency", key)]
    row(f"packet → SSE client latency {label} (ms) at ~{fmt(med(lat_rate), '{:.0f}')} ev/s", ms, [], "{:.2f}",
        f"≤ {tgt} ms" if tgt else "", (lambda c, r, q, t=tgt: c <= t) if tgt else None)
def received(test):
    out = []
    for r in REPS:
        f = RUNS.get((test, r), {})
        got = f.get("client_opened", f.get("client_events"))  # latency mode: flow.opened only
        if num(got) is not None and num(f.get("gen_sent")):
            out.append(num(got) / num(f["gen_sent"]))
    return out


row("latency test: flow.opened received / packets sent", received("cf_latency"), [], "{:.3f}")
low = vals("cf_latency_low", "gen_pps")
if low:
    for key, label in (("client_lat_p50_us", "p50"), ("client_lat_p99_us", "p99"), ("client_lat_p999_us", "p999")):
        row(f"light load: latency {label} (ms) at ~{fmt(med(low), '{:.0f}')} ev/s",
            [v / 1000 for v in vals("cf_latency_low", key)], [], "{:.2f}")
    row("light load: flow.opened received / packets sent", received("cf_latency_low"), [], "{:.3f}")
# --- monitor start
row("BPF object load + verify alone (bpftool loadall, ms)", vals("cf_load", "load_ms"), vals("ref_load", "load_ms"),
    "{:.1f}")
# --- cells
cell_ns = sorted({int(t[5:]) for t, _ in RUNS if t.startswith("cells") and t[5:].isdigit()})
for n in cell_ns:
    t = f"cells{n}"
    row(f"{n} cells: monitors started (201)", vals(t, "ok"), [], "{:.0f}", f"= {n}", lambda c, r, q, n=n: c == n)
    row(f"{n} cells: monitor start p50 (ms)", vals(t, "start_p50_ms"), [], "{:.1f}")
    row(f"{n} cells: monitor start p99 (ms)", vals(t, "start_p99_ms"), [], "{:.1f}", "≤ 50 ms",
        lambda c, r, q: c <= 50)
    row(f"{n} cells: service RSS (MB)", vals(t, "rss_mb"), [], "{:.0f}", "≤ 300 MB", lambda c, r, q: c <= 300)
    row(f"{n} cells: of which anonymous (heap, malloc) (MB)", vals(t, "rss_anon_mb"), [], "{:.0f}")
    row(f"{n} cells: of which mapped ring buffers + files (MB)", vals(t, "rss_file_shmem_mb"), [], "{:.0f}")
    row(f"{n} cells: poller threads", vals(t, "pollers"), [], "{:.0f}", "= 1", lambda c, r, q: c == 1)
    row(f"{n} cells: DELETE of all monitors, one by one (s)", vals(t, "delete_all_s"), [], "{:.1f}")
if cell_ns:
    t = f"cells{cell_ns[0]}"
    row("first monitor start after service start, cold JIT (ms)", vals(t, "first_start_ms"), [], "{:.0f}")
    row("service RSS idle, after warm-up (MB)", vals(t, "rss_idle_mb"), [], "{:.0f}")

# --- JMH
jmh_path = sys.argv[2] if len(sys.argv) > 2 else ""
if jmh_path and os.path.exists(jmh_path):
    res = {}
    for b in json.load(open(jmh_path)):
        name = b["benchmark"].rsplit(".", 1)[-1]
        ns = b["primaryMetric"]["score"]
        raw = [x for fork in b["primaryMetric"].get("rawData", []) for x in fork]
        alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {})
        araw = [x for fork in alloc.get("rawData", []) for x in fork] or [alloc.get("score", 0)]
        res[name] = (raw or [ns], araw)
    if "readerOnly" in res:
        t, a = res["readerOnly"]
        row("JMH reader only: ns/event (per iteration)", t, [], "{:.2f}")
        row("JMH reader only: events/s per core (M)", [1e3 / x for x in t], [], "{:.1f}")
        row("JMH reader only: bytes allocated/event (gc profiler)", a, [], "{:.3f}", "0 (< 0.5)",
            lambda c, r, q: c < 0.5)
    if "readerAndDecode" in res:
        t, a = res["readerAndDecode"]
        row("JMH reader + decoder: ns/event", t, [], "{:.2f}", "≤ 15 ns", lambda c, r, q: c <= 15)
        row("JMH reader + decoder: events/s per core (M)", [1e3 / x for x in t], [], "{:.1f}")
        row("JMH reader + decoder: bytes allocated/event", a, [], "{:.1f}")
    if "decodeOnly" in res:
        t, a = res["decodeOnly"]
        row("JMH decoder alone: ns/record", t, [], "{:.2f}")
        row("JMH decoder alone: bytes allocated/record", a, [], "{:.1f}")

print("| figure | cellflow min / **median** / max | reference min / **median** / max | ratio | target | status |")
print("|---|---:|---:|---:|---|---|")
for r in ROWS:
    print("| " + " | ".join(r) + " |")
met = sum(1 for r in ROWS if r[5] == "**met**")
missed = [r[0] for r in ROWS if r[5] == "**missed**"]
print()
print(f"Targets: {met} met, {len(missed)} missed" + (": " + "; ".join(missed) if missed else "") + ".")
print(f"Repetitions: {len(REPS)}. Ratio = cellflow median / reference median. JMH rows: one value per measurement"
      " iteration (one fork).")
