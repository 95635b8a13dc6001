package io.cellflow.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Every knob of cellflow, under the {@code cellflow.} prefix; each default works on a plain Linux host. */
@ConfigMapping(prefix = "cellflow")
public interface CellflowConfig {

    /** eBPF backend switches. */
    Ebpf ebpf();

    /** The BPF object and its kernel-side sizes. */
    Bpf bpf();

    /** The ring-buffer poller thread. */
    Poller poller();

    /** SSE streams to clients. */
    Stream stream();

    interface Ebpf {
        /** Use the eBPF backend at all; when false, {@code backend=ebpf} fails and {@code auto} falls back. */
        @WithDefault("true")
        boolean enabled();
    }

    interface Bpf {
        /** Load this object file instead of the one bundled in the jar (operators shipping their own build). */
        Optional<String> objectPath();

        /**
         * How programs attach: {@code tc} clsact filters, {@code tcx} links (kernel 6.6+: detached by the kernel
         * even when cellflow is killed, but each attach and detach holds rtnl_lock across an RCU grace period), or
         * {@code auto}: tc, then TCX where the filters are refused.
         */
        @WithDefault("auto")
        AttachMode attachMode();

        /**
         * Ring-buffer size per cell in bytes (a power of two, at least one page) unless the monitor asks for its own
         * ({@code ring_buffer_bytes}). Resident per cell: this plus two pages. 64 KiB holds 819 flow records: a
         * quiet cell needs a few, and 1,000 cells cost ~70 MB; a cell with more than ~100k new flows/s wants 1-4 MiB.
         */
        @WithDefault("65536")
        int ringBufferBytes();

        /**
         * Flow-table (hash) entries per cell: the most flows a cell can have between two drains. A full table
         * counts the packets of flows it could not take ({@code flow_table_full_packets}, a {@code lost} notice with
         * cause {@code flow_table_full}); see cellflow.flows.pressure-drain-fill for the early drain that prevents it.
         */
        @WithDefault("16384")
        int flowTableEntries();

        /**
         * Pending ring-buffer bytes that force a wakeup of the poller; below it the poll timeout picks records up.
         * 0 wakes on every record (costly: ~2.8 µs per event on a 2-vCPU VM against ~0.18 µs batched). Must be
         * below ring-buffer-bytes; a monitor with its own ring gets the same share of that ring (a quarter, by
         * default: 1 MiB of a 4 MiB ring), so a busy cell given a big ring pays for few wakeups.
         */
        @WithDefault("16384")
        int wakeupBytes();

        /**
         * BPF objects with the default sizes (ring-buffer-bytes, flow-table-entries, wakeup-bytes; tc programs) kept
         * loaded and verified ahead of monitor starts, refilled in the background at the lowest CPU priority: a start
         * that takes one skips the verifier. 0 disables it. Each costs its maps in kernel memory (~2.7 MB at the
         * defaults, mostly the flow table) and a dozen fds; none of it is mapped into the process. 8, not fewer:
         * back-to-back starts on one CPU leave the refill about as much CPU as it needs, so the pool drifts down
         * and up; with 4 it ran dry now and then over 1,000 starts (each such start waits for a load).
         */
        @WithDefault("8")
        int preloadedObjects();
    }

    interface Poller {
        /**
         * epoll timeout in milliseconds: the upper bound of event latency below the wakeup threshold. Each timeout
         * is one acquire load per cell; 2 ms keeps packet-to-client p99 under 5 ms at light load.
         */
        @WithDefault("2")
        int timeoutMs();
    }

    interface Stream {
        /**
         * Events buffered per SSE client before it is counted as lagging and events are dropped for it. A drain
         * publishes one flow.updated per flow active since the last one, in a burst, while the client's event loop
         * shares the CPU with the drain and the poller: 16384 rides out a 250 ms drain at 100k+ new flows/s.
         */
        @WithDefault("16384")
        int clientBuffer();

        /** Events kept per cell for clients that reconnect with Last-Event-ID, and for /flows/recent. */
        @WithDefault("10000")
        int replayBuffer();

        /** Interval of the heartbeat comment on idle streams. */
        @WithDefault("15s")
        java.time.Duration heartbeat();
    }

    /** Flow lifecycle: how often the kernel's flow tables are read, and when a flow counts as over. */
    Flows flows();

    interface Flows {
        /** Interval between drains of each cell's flow table (flow.updated events come at this pace). */
        @WithDefault("5s")
        java.time.Duration drainInterval();

        /** A flow with no packets for this long is closed (TCP flows close earlier, after FIN or RST). */
        @WithDefault("30s")
        java.time.Duration idleTimeout();

        /**
         * Drain a cell early, before its drain interval, once the new flows it reported since its last drain reach
         * this fraction of cellflow.bpf.flow-table-entries (its table may be that full); 0 turns early drains off.
         */
        @WithDefault("0.5")
        double pressureDrainFill();

        /**
         * The most flows a cell keeps open after a drain round (eBPF backend); beyond it the least recently active
         * close early, as if idle, and count in {@code evicted_flows}. Each open flow costs ~130 bytes of heap, so
         * a cell that opens flows faster than they go idle (a scan, a flood) is bounded at ~130 MB.
         */
        @WithDefault("1000000")
        @jakarta.validation.constraints.Min(1)
        int maxOpen();
    }

    /** The REST API itself. */
    Api api();

    interface Api {
        /**
         * When set, every mutating call, every stream and the BPF map endpoints need
         * {@code Authorization: Bearer <token>}; health, metrics and the OpenAPI document stay open.
         */
        Optional<String> token();
    }

    /** Prometheus metrics. */
    Metrics metrics();

    interface Metrics {
        /** Per-cell series (ring-buffer fill ratio) only while at most this many cells run; totals always. */
        @WithDefault("64")
        int maxLabelledCells();
    }

    enum AttachMode {
        AUTO,
        TCX,
        TC
    }
}
