package io.cellflow.monitor;

import io.cellflow.config.CellflowConfig;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.MonotonicClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jboss.logging.Logger;

/**
 * The monitors that run, by cell id, and their lifecycle. Start and stop are thread-safe: a cell id is reserved
 * before anything touches the kernel, so two concurrent starts of one cell cannot both proceed. A housekeeping
 * thread turns the kernel's losses (a full ring buffer, a full flow table) into in-band {@code lost} notices and
 * sends heartbeats.
 */
@ApplicationScoped
public class CellRegistry {
    private static final Logger LOG = Logger.getLogger(CellRegistry.class);
    /** Placeholder for a cell whose monitor is starting. */
    private static final Object STARTING = new Object();

    private final ConcurrentHashMap<String, Object> cells = new ConcurrentHashMap<>();
    private final BackendSelector backends;
    private final AllCellsStream all;
    private final CellflowConfig config;
    private final MeterRegistry meters;
    private final MonotonicClock clock = new MonotonicClock();
    private final Map<Backend, Map<Direction, LongAdder>> eventCounters = new EnumMap<>(Backend.class);
    private final Timer startLatency;
    private final Counter kernelLosses;
    private final Counter flowTableFull;
    private final Map<String, KernelLosses> reportedLosses = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong stoppedMonitorDrops = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong stoppedMonitorFlows = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong stoppedMonitorEvictions =
            new java.util.concurrent.atomic.AtomicLong();
    private final Timer drainTime;
    private final DrainPacer drainPacer;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cellflow-housekeeping");
        t.setDaemon(true);
        return t;
    });

    CellRegistry(BackendSelector backends, AllCellsStream all, CellflowConfig config, MeterRegistry meters,
            FlowDrains drains) {
        this.backends = backends;
        this.all = all;
        this.config = config;
        this.meters = meters;
        for (Backend b : Backend.values()) {
            // a LongAdder read by a function counter: a registered Counter is a composite one under Quarkus, and
            // its increment walked the child registries for every event (2% of the poller and drain threads)
            Map<Direction, LongAdder> byDir = new EnumMap<>(Direction.class);
            for (Direction d : Direction.values()) {
                LongAdder events = new LongAdder();
                byDir.put(d, events);
                FunctionCounter.builder("cellflow.flow.events", events, LongAdder::doubleValue)
                        .description("flow events published").tag("backend", b.json()).tag("direction", d.json())
                        .register(meters);
            }
            eventCounters.put(b, byDir);
            Gauge.builder("cellflow.monitors.active", this, r -> r.count(b)).description("running monitors")
                    .tag("backend", b.json()).register(meters);
        }
        // which hook each monitor runs on: tcx counts the cells that fell back from tc filters (see attach-mode)
        for (String mode : List.of("tc", "tcx", "cgroup_skb", "nft_log")) {
            Gauge.builder("cellflow.monitors.attached", this, r -> r.attached(mode))
                    .description("running monitors by attach mode").tag("mode", mode).register(meters);
        }
        startLatency = Timer.builder("cellflow.monitor.start").description("time to start a monitor")
                .publishPercentiles(0.5, 0.99).register(meters);
        kernelLosses = Counter.builder("cellflow.kernel.losses")
                .description("records the kernel could not put in a full ring buffer").register(meters);
        flowTableFull = Counter.builder("cellflow.flow.table.full")
                .description("packets the kernel could not count because the cell's flow table was full")
                .register(meters);
        Gauge.builder("cellflow.sse.clients", this, CellRegistry::sseClients).description("connected SSE clients")
                .register(meters);
        FunctionCounter.builder("cellflow.flows.unique", this, CellRegistry::uniqueFlows)
                .description("distinct flows opened (a flow seen twice counts once)").register(meters);
        FunctionCounter.builder("cellflow.flows.evicted", this, CellRegistry::evictedFlows)
                .description("flows closed early because their cell had more than cellflow.flows.max-open open")
                .register(meters);
        FunctionCounter.builder("cellflow.sse.dropped", this, CellRegistry::slowClientDrops)
                .description("events dropped for SSE clients that did not keep up").register(meters);
        drainTime = Timer.builder("cellflow.drain").description("time to drain every cell's flow table once")
                .register(meters);
        long drainEvery = Math.max(100, config.flows().drainInterval().toMillis());
        // a round's events spread over half the interval (unless a filling table waits for an early drain); at a
        // fixed rate, so pacing does not stretch the interval
        drainPacer = new DrainPacer(TimeUnit.MILLISECONDS.toNanos(drainEvery) / 2, drains::earlyWaiting);
        drains.everyAtFixedRate(drainEvery, this::drainAll);
        housekeeping.scheduleWithFixedDelay(this::reportKernelLosses, 1, 1, TimeUnit.SECONDS);
        long beat = Math.max(1, config.stream().heartbeat().toMillis());
        housekeeping.scheduleWithFixedDelay(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts monitoring one cell.
     *
     * @throws MonitorException ALREADY_MONITORED, NETNS_NOT_FOUND, INTERFACE_NOT_FOUND, BACKEND_NOT_IMPLEMENTED or
     *     BACKEND_UNAVAILABLE; nothing is left behind
     */
    public CellMonitor start(MonitorSpec spec) {
        if (cells.putIfAbsent(spec.cellId(), STARTING) != null) {
            throw MonitorException.of(MonitorException.Reason.ALREADY_MONITORED, spec.cellId(),
                    "cell " + spec.cellId() + " is already monitored; DELETE its monitor first");
        }
        long t0 = System.nanoTime();
        try {
            CellMonitor monitor = launch(spec);
            cells.put(spec.cellId(), monitor);
            long took = System.nanoTime() - t0;
            startLatency.record(took, TimeUnit.NANOSECONDS);
            registerFillGauge(monitor);
            LOG.infof("cell %s: monitoring %s with backend %s (%s) after %.1f ms%s", spec.cellId(),
                    spec.isCgroup() ? "cgroup " + spec.cgroup() : spec.interfaceName() + " in " + spec.netns(),
                    monitor.backend().json(), monitor.attachMode(), took / 1e6,
                    monitor.fallbackReason() == null ? "" : "; fallback because " + monitor.fallbackReason());
            return monitor;
        } catch (RuntimeException e) {
            cells.remove(spec.cellId(), STARTING);
            throw e;
        }
    }

    private CellMonitor launch(MonitorSpec spec) {
        String runId = spec.runId() != null ? spec.runId() : UUID.randomUUID().toString();
        LivePolicy policy = new LivePolicy(spec.policy());
        BackendSelector.Started started = backends.start(spec, backend -> {
            Map<Direction, LongAdder> counters = eventCounters.get(backend);
            return new FlowHub(
                    new FlowDecisionMapper(spec.cellId(), runId, spec.correlationId(), spec.keysetId(),
                            spec.issuerKid(), backend.reasonCode(), backend.denyReasonCode(), policy::digest, clock),
                    UUID.randomUUID().toString(), config.stream().clientBuffer(), config.stream().replayBuffer(),
                    (FlowHub.Listener) (items, n) -> {
                        int egress = 0;
                        for (int i = 0; i < n; i++) {
                            egress += items[i].direction() == Direction.EGRESS ? 1 : 0;
                        }
                        add(counters.get(Direction.EGRESS), egress);
                        add(counters.get(Direction.INGRESS), n - egress);
                        all.offer(items, n);
                    });
        });
        return new CellMonitor(spec, started.backend(), runId, Instant.now(), started.source(), started.hub(),
                started.fallbackReason(), policy);
    }

    private static void add(LongAdder counter, int n) {
        if (n > 0) {
            counter.add(n);
        }
    }

    /** Per-cell series only while the number of cells is bounded by config; beyond it, none are added. */
    private void registerFillGauge(CellMonitor monitor) {
        if (cells.size() <= config.metrics().maxLabelledCells()) {
            Gauge.builder("cellflow.ring.fill.ratio", monitor, CellMonitor::fillRatio)
                    .description("fraction of the cell's kernel ring buffer not yet consumed")
                    .tag("cell", monitor.spec().cellId()).strongReference(false).register(meters);
        }
    }

    /**
     * Stops a cell's monitor and releases everything it holds.
     *
     * @throws MonitorException CELL_NOT_MONITORED
     */
    public void stop(String cellId) {
        Object slot = cells.get(cellId);
        if (!(slot instanceof CellMonitor monitor) || !cells.remove(cellId, monitor)) {
            throw notMonitored(cellId);
        }
        monitor.close();
        stoppedMonitorDrops.addAndGet(monitor.hub().slowClientDrops());
        MonitorCounters last = monitor.counters();
        stoppedMonitorFlows.addAndGet(last.uniqueFlows());
        stoppedMonitorEvictions.addAndGet(evicted(last));
        reportedLosses.remove(cellId);
        meters.find("cellflow.ring.fill.ratio").tag("cell", cellId).meters().forEach(meters::remove);
        LOG.infof("cell %s: monitor stopped", cellId);
    }

    /**
     * Replaces a running monitor's egress policy without restarting it.
     *
     * @return the monitor, now enforcing {@code policy}
     * @throws MonitorException CELL_NOT_MONITORED, or BACKEND_UNAVAILABLE (the previous policy stays live)
     */
    public CellMonitor replacePolicy(String cellId, io.cellflow.policy.Policy policy) {
        CellMonitor monitor = require(cellId);
        monitor.replacePolicy(policy);
        LOG.infof("cell %s: policy replaced, now %s (%d rules, default %s)", cellId, monitor.policyDigest(),
                policy.rules().size(), policy.defaultAction().json());
        return monitor;
    }

    public Optional<CellMonitor> find(String cellId) {
        return cells.get(cellId) instanceof CellMonitor m ? Optional.of(m) : Optional.empty();
    }

    public CellMonitor require(String cellId) {
        return find(cellId).orElseThrow(() -> notMonitored(cellId));
    }

    public List<CellMonitor> list() {
        List<CellMonitor> out = new ArrayList<>();
        for (Object o : cells.values()) {
            if (o instanceof CellMonitor m) {
                out.add(m);
            }
        }
        out.sort((a, b) -> a.spec().cellId().compareTo(b.spec().cellId()));
        return out;
    }

    private void drainAll() {
        long t0 = System.nanoTime();
        drainPacer.beginRound();
        for (CellMonitor m : list()) {
            try {
                m.drainFlows(drainPacer);
            } catch (RuntimeException e) {
                LOG.warnf(e, "cell %s: flow-table drain failed", m.spec().cellId());
            }
        }
        drainPacer.endRound();
        drainTime.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }

    private void reportKernelLosses() {
        for (CellMonitor m : list()) {
            try {
                KernelLosses now = m.kernelLosses();
                KernelLosses before = reportedLosses.getOrDefault(m.spec().cellId(), KernelLosses.NONE);
                reportedLosses.put(m.spec().cellId(), now);
                long ring = now.ringBuffer() - before.ringBuffer();
                if (ring > 0) {
                    kernelLosses.increment(ring);
                    m.hub().reportKernelLoss(ring);
                }
                long table = now.flowTable() - before.flowTable();
                if (table > 0) {
                    flowTableFull.increment(table);
                    m.hub().reportFlowTableFull(table);
                }
            } catch (RuntimeException e) {
                LOG.debugf("cell %s: loss check failed: %s", m.spec().cellId(), e.getMessage());
            }
        }
    }

    private void heartbeat() {
        for (CellMonitor m : list()) {
            m.hub().heartbeat();
        }
        all.offer(StreamItem.Heartbeat.INSTANCE);
    }

    private double attached(String mode) {
        return list().stream().filter(m -> mode.equals(m.attachMode())).count();
    }

    private double count(Backend backend) {
        return cells.values().stream().filter(o -> o instanceof CellMonitor m && m.backend() == backend).count();
    }

    private double sseClients() {
        return list().stream().mapToInt(m -> m.hub().clients()).sum() + all.clients();
    }

    private double uniqueFlows() {
        return stoppedMonitorFlows.get() + list().stream().mapToLong(m -> m.counters().uniqueFlows()).sum();
    }

    private double evictedFlows() {
        return stoppedMonitorEvictions.get() + list().stream().mapToLong(m -> evicted(m.counters())).sum();
    }

    private static long evicted(MonitorCounters c) {
        return c.evictedFlows() == null ? 0 : c.evictedFlows();
    }

    private double slowClientDrops() {
        // a counter: monitors that stopped keep contributing what they dropped
        return stoppedMonitorDrops.get() + list().stream().mapToLong(m -> m.hub().slowClientDrops()).sum()
                + all.drops();
    }

    private static MonitorException notMonitored(String cellId) {
        return MonitorException.of(MonitorException.Reason.CELL_NOT_MONITORED, cellId,
                "cell " + cellId + " is not monitored");
    }

    @PreDestroy
    void stopAll() {
        housekeeping.shutdownNow();
        for (String id : new ArrayList<>(cells.keySet())) {
            try {
                stop(id);
            } catch (RuntimeException e) {
                LOG.warnf("cell %s: stop at shutdown failed: %s", id, e.getMessage());
            }
        }
    }
}
