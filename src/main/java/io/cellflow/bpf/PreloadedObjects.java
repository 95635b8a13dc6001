package io.cellflow.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A few BPF objects loaded (and so verified) ahead of the monitors that will use them, all with one
 * {@link BpfObjectSpec}: the service's default ring and table sizes on the tc pair. A monitor start with that spec
 * takes one and skips the verifier (about a third of a start); any other spec, or an empty pool, loads inline as
 * before. A pooled object was never attached and never written: its maps are as the load created them (flow table,
 * ring, counters and policy maps empty), so it is as fresh as an inline load. An object leaves the pool once and
 * never comes back: the monitor that took it closes it.
 *
 * <p>One daemon thread refills the pool after each hand-out, at the lowest CPU priority (nice 19): the verifier is
 * CPU work, and on a busy service a start's own request handling should win over the load for the next one. If a
 * preload fails (eBPF refused here, the object rejected) the pool frees what it holds and stops: every start then
 * loads inline and meets the same failure on its own path, with the usual fallback and error.
 *
 * <p>A start that finds the pool empty while the refill is loading waits for that load rather than starting its
 * own: back-to-back starts can outrun the refill (its load gets only the CPU the starts leave), and the load in
 * flight is partly done, where an inline one would begin the whole verification again and run beside it on the
 * same CPU. Only with no load in flight (or after {@link #IN_FLIGHT_WAIT_MILLIS}) does a start load inline.
 * While a start waits, the refill thread runs at normal priority (the start's own): at nice 19 any other busy
 * thread, the JIT's compiler for one, would hold up the load and so the start behind it.
 *
 * <p>Thread-safe. {@link #close()} stops the refill and frees every object still pooled; idempotent.
 */
public final class PreloadedObjects implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PreloadedObjects.class);
    private static final int PRIO_PROCESS = 0;
    private static final int LOWEST_PRIORITY = 19;
    private static final int NORMAL_PRIORITY = 0;
    private static final long REFILL_EXIT_MILLIS = 10_000;
    /** Longest a start waits for the refill's load in flight (one load: ~35 ms of CPU); then it loads inline. */
    static final long IN_FLIGHT_WAIT_MILLIS = 500;

    /** Loads one object; a seam for tests. */
    @FunctionalInterface
    interface Loader {
        BpfObject load(BpfObjectSpec spec) throws BpfException;
    }

    private final Native nat;
    private final BpfObjectSpec spec;
    private final int capacity;
    private final Loader loader;
    private final ArrayDeque<BpfObject> ready = new ArrayDeque<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong bypasses = new AtomicLong();
    private final long inFlightWaitNanos;
    private final Thread refill;
    /** guarded by this: the refill thread is in a load */
    private boolean loading;
    /** guarded by this: a waiting start raised the refill thread to normal priority for the load in flight */
    private boolean boosted;
    /** the refill thread's kernel thread id, 0 until it runs (or when it could not be read) */
    private volatile int refillTid;
    /** guarded by this */
    private boolean closed;
    /** guarded by this: why the pool stopped refilling, or null */
    private String stopped;

    /**
     * @param capacity objects kept ready; 0: none, every start loads inline (no thread is started)
     */
    public PreloadedObjects(Native nat, BpfObjectSpec spec, int capacity) {
        this(nat, spec, capacity, s -> s.load(nat), IN_FLIGHT_WAIT_MILLIS);
    }

    PreloadedObjects(Native nat, BpfObjectSpec spec, int capacity, Loader loader, long inFlightWaitMillis) {
        if (capacity < 0) {
            throw new IllegalArgumentException("cellflow.bpf.preloaded-objects must be >= 0, got " + capacity);
        }
        this.nat = nat;
        this.spec = spec;
        this.capacity = capacity;
        this.loader = loader;
        this.inFlightWaitNanos = inFlightWaitMillis * 1_000_000L;
        if (capacity == 0) {
            refill = null;
            return;
        }
        refill = new Thread(this::refillLoop, "cellflow-bpf-preload");
        refill.setDaemon(true);
        refill.start();
    }

    /**
     * An object loaded with {@code wanted}, owned by the caller from now on: a pooled one when {@code wanted} is
     * the pool's spec and one is ready or being loaded by the refill, else one loaded here and now.
     *
     * @throws BpfException whatever the inline load throws; a pooled object never fails here
     */
    public BpfObject take(BpfObjectSpec wanted) throws BpfException {
        if (capacity == 0 || !spec.equals(wanted)) {
            bypasses.incrementAndGet();
            return loader.load(wanted);
        }
        BpfObject pooled;
        synchronized (this) {
            pooled = ready.poll();
            if (pooled == null) {
                pooled = awaitLoadInFlight();
            }
            notifyAll(); // one fewer: refill
        }
        if (pooled != null) {
            hits.incrementAndGet();
            return pooled;
        }
        misses.incrementAndGet();
        return loader.load(wanted);
    }

    /** Caller holds the lock. The refill's object when its load in flight ends in time, else null. */
    private BpfObject awaitLoadInFlight() {
        long deadline = System.nanoTime() + inFlightWaitNanos;
        BpfObject pooled = null;
        while (pooled == null && loading && !closed && stopped == null) {
            if (!boosted) {
                boosted = true;
                setRefillPriority(refillTid, NORMAL_PRIORITY);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                wait(Math.max(1, left / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pooled = ready.poll();
        }
        return pooled;
    }

    private void refillLoop() {
        refillTid = ownTid();
        lowerPriority();
        while (true) {
            synchronized (this) {
                while (!closed && stopped == null && ready.size() >= capacity) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed || stopped != null) {
                    return;
                }
                loading = true;
            }
            BpfObject object;
            try {
                object = loader.load(spec);
            } catch (BpfException | RuntimeException e) {
                stop(e);
                return;
            }
            synchronized (this) {
                loading = false;
                if (boosted) {
                    boosted = false;
                    setRefillPriority(0, LOWEST_PRIORITY);
                }
                if (!closed && stopped == null) {
                    ready.add(object);
                    notifyAll();
                    continue;
                }
            }
            object.close(); // closed while it loaded
            return;
        }
    }

    /** The verifier runs on this thread: let every other thread of the service go first. */
    private void lowerPriority() {
        try {
            // Linux: with who = 0 the nice value is the calling thread's own, not the process's
            if (nat.libc().setpriority(PRIO_PROCESS, 0, LOWEST_PRIORITY) != 0) {
                LOG.debugf("preload thread keeps its priority: %s", Errno.of(nat.errno()));
            }
        } catch (RuntimeException e) {
            LOG.debugf("preload thread keeps its priority: %s", e.getMessage());
        }
    }

    /** @param tid the thread to change; 0: the calling thread */
    private void setRefillPriority(int tid, int nice) {
        if (tid == 0 && nice == NORMAL_PRIORITY) {
            return; // the refill thread's id is unknown: setpriority would change the caller's own
        }
        try {
            if (nat.libc().setpriority(PRIO_PROCESS, tid, nice) != 0) {
                LOG.debugf("preload thread priority stays: %s", Errno.of(nat.errno()));
            }
        } catch (RuntimeException e) {
            LOG.debugf("preload thread priority stays: %s", e.getMessage());
        }
    }

    /** Linux: /proc/thread-self is a link to /proc/PID/task/TID. */
    private static int ownTid() {
        try {
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            return Integer.parseInt(self.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private void stop(Exception cause) {
        synchronized (this) {
            loading = false;
            stopped = cause.getMessage();
            freeReady();
            notifyAll();
        }
        LOG.warnf("BPF objects are no longer preloaded (each monitor start loads its own): %s", cause.getMessage());
    }

    /** Closing is a few close(2) calls: done under the lock, so no one sees a stopped pool still holding objects. */
    private void freeReady() {
        for (BpfObject o = ready.poll(); o != null; o = ready.poll()) {
            o.close();
        }
    }

    /** Pooled objects ready now. */
    public synchronized int ready() {
        return ready.size();
    }

    /** The most objects kept ready (0: the pool is off). */
    public int capacity() {
        return capacity;
    }

    /** Why refilling stopped, or {@code null} while it runs (or the pool is off). */
    public synchronized String stoppedReason() {
        return stopped;
    }

    /** Starts that got a pooled object. */
    public long hits() {
        return hits.get();
    }

    /** Starts with the pool's spec that found it empty and loaded inline. */
    public long misses() {
        return misses.get();
    }

    /** Starts with another spec (their own ring size, the cgroup pair), or with the pool off: loaded inline. */
    public long bypasses() {
        return bypasses.get();
    }

    /**
     * Waits until {@code n} objects are ready, the pool stopped, or {@code millis} passed.
     *
     * @return whether {@code n} are ready
     */
    public synchronized boolean awaitReady(int n, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (ready.size() < n && !closed && stopped == null) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return ready.size() >= n;
    }

    /**
     * Stops the refill and frees every pooled object; an object still loading is freed by the refill thread when
     * its load returns, which this waits for (a load takes tens of milliseconds).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            freeReady();
            notifyAll();
        }
        if (refill != null && refill != Thread.currentThread()) {
            try {
                refill.join(REFILL_EXIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
