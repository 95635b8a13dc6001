package io.cellflow.monitor;

import io.cellflow.config.CellflowConfig;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.MonotonicClock;
import io.micrometer.core.instrument.Counter;
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
import org.jboss.logging.Logger;

/**
 * The monitors that run, by cell id, and their lifecycle. Start and stop are thread-safe: a cell id is reserved
 * before anything touches the kernel, so two concurrent starts of one cell cannot both proceed.
 */
@ApplicationScoped
public class CellRegistry {
    private static final Logger LOG = Logger.getLogger(CellRegistry.class);
    /** Placeholder for a cell whose monitor is starting. */
    private static final Object STARTING = new Object();

    private final ConcurrentHashMap<String, Object> cells = new ConcurrentHashMap<>();
    private final BackendSelector backends;
    private final CellflowConfig config;
    private final MonotonicClock clock = new MonotonicClock();
    private final Map<Backend, Map<Direction, Counter>> eventCounters = new EnumMap<>(Backend.class);
    private final Timer startLatency;

    CellRegistry(BackendSelector backends, CellflowConfig config, MeterRegistry meters) {
        this.backends = backends;
        this.config = config;
        for (Backend b : Backend.values()) {
            Map<Direction, Counter> byDir = new EnumMap<>(Direction.class);
            for (Direction d : Direction.values()) {
                byDir.put(d, Counter.builder("cellflow.flow.events").description("flow events published")
                        .tag("backend", b.json()).tag("direction", d.json()).register(meters));
            }
            eventCounters.put(b, byDir);
            Gauge.builder("cellflow.monitors.active", this, r -> r.count(b)).description("running monitors")
                    .tag("backend", b.json()).register(meters);
        }
        this.startLatency = Timer.builder("cellflow.monitor.start").description("time to start a monitor")
                .register(meters);
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
            startLatency.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            LOG.infof("cell %s: monitoring %s in %s with backend %s (%s)", spec.cellId(), spec.interfaceName(),
                    spec.netns(), monitor.backend().json(), monitor.attachMode());
            return monitor;
        } catch (RuntimeException e) {
            cells.remove(spec.cellId(), STARTING);
            throw e;
        }
    }

    private CellMonitor launch(MonitorSpec spec) {
        String runId = spec.runId() != null ? spec.runId() : UUID.randomUUID().toString();
        BackendSelector.Started started = backends.start(spec, backend -> {
            Map<Direction, Counter> counters = eventCounters.get(backend);
            return new FlowHub(
                    new FlowDecisionMapper(spec.cellId(), runId, spec.correlationId(), backend.reasonCode(), clock),
                    UUID.randomUUID().toString(), config.stream().clientBuffer(),
                    e -> counters.get(e.direction()).increment());
        });
        return new CellMonitor(spec, started.backend(), runId, Instant.now(), started.source(), started.hub(),
                started.fallbackReason());
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
        LOG.infof("cell %s: monitor stopped", cellId);
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

    private double count(Backend backend) {
        return cells.values().stream().filter(o -> o instanceof CellMonitor m && m.backend() == backend).count();
    }

    private static MonitorException notMonitored(String cellId) {
        return MonitorException.of(MonitorException.Reason.CELL_NOT_MONITORED, cellId,
                "cell " + cellId + " is not monitored");
    }

    @PreDestroy
    void stopAll() {
        for (String id : new ArrayList<>(cells.keySet())) {
            try {
                stop(id);
            } catch (RuntimeException e) {
                LOG.warnf("cell %s: stop at shutdown failed: %s", id, e.getMessage());
            }
        }
    }
}
