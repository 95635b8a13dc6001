package io.cellflow.bpf;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;
import org.jboss.logging.Logger;

/**
 * One platform thread that drains every cell's ring buffer: epoll over all ring fds plus an eventfd for control.
 *
 * <p>The BPF program wakes us only when a ring crosses its fill threshold ({@code BPF_RB_NO_WAKEUP} otherwise),
 * so every poll timeout also sweeps all rings: latency is bounded by the timeout, and a quiet ring costs one
 * acquire load per sweep. Sinks run on this thread and must not block.
 *
 * <p>Registration is thread-safe. {@link Registration#close()} returns only after the poller has let go of the
 * ring, so the caller may unmap it right away.
 */
public final class RingBufferPoller implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RingBufferPoller.class);
    private static final int MAX_EVENTS = 64;
    private static final long CONTROL_TOKEN = 0;
    private static final int BUDGET = 4096;
    // struct epoll_event is packed on x86-64 (12 B), naturally aligned elsewhere (16 B)
    private static final boolean PACKED = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch"));
    private static final int EVENT_SIZE = PACKED ? 12 : 16;
    private static final int DATA_OFFSET = PACKED ? 4 : 8;

    /** What the poller reports about each loop, for metrics; called on the poller thread. */
    public interface LoopObserver {
        void onLoop(int records, long loopNanos);

        LoopObserver NONE = (r, n) -> {};
    }

    private final Native nat;
    private final int epfd;
    private final int controlFd;
    private final int timeoutMs;
    private final LoopObserver observer;
    private final Pointer events;
    private final Pointer eventfdBuf;
    private final AtomicLong tokens = new AtomicLong(1);
    private final ConcurrentHashMap<Long, Registration> registrations = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable died;

    public RingBufferPoller(Native nat, int timeoutMs, LoopObserver observer) throws BpfException {
        this.nat = nat;
        this.timeoutMs = timeoutMs;
        this.observer = observer;
        LibC libc = nat.libc();
        this.epfd = libc.epoll_create1(LibC.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw new BpfException(BpfException.Stage.RING_BUFFER, Errno.of(nat.errno()), "epoll_create1");
        }
        this.controlFd = libc.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (controlFd < 0) {
            Errno err = Errno.of(nat.errno());
            libc.close(epfd);
            throw new BpfException(BpfException.Stage.RING_BUFFER, err, "eventfd");
        }
        this.events = nat.allocate(EVENT_SIZE * MAX_EVENTS);
        this.eventfdBuf = nat.allocate(8);
        try {
            epollAdd(controlFd, CONTROL_TOKEN);
        } catch (BpfException e) {
            libc.close(controlFd);
            libc.close(epfd);
            throw e;
        }
        this.thread = new Thread(this::loop, "cellflow-poller");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts draining {@code reader} into {@code sink}. The ring fd is the map fd of the ring buffer. */
    public Registration register(int ringFd, RingBufferReader reader, RingBufferReader.RecordSink sink)
            throws BpfException {
        if (!isAlive()) {
            throw new BpfException(BpfException.Stage.RING_BUFFER, null, "the ring-buffer poller thread is not running");
        }
        long token = tokens.getAndIncrement();
        Registration reg = new Registration(token, ringFd, reader, sink);
        registrations.put(token, reg);
        try {
            epollAdd(ringFd, token);
        } catch (BpfException e) {
            registrations.remove(token);
            throw e;
        }
        return reg;
    }

    public boolean isAlive() {
        return running && thread.isAlive() && died == null;
    }

    public int registrations() {
        return registrations.size();
    }

    private void epollAdd(int fd, long token) throws BpfException {
        Pointer ev = nat.allocate(EVENT_SIZE);
        ev.putInt(0, LibC.EPOLLIN);
        ev.putLong(DATA_OFFSET, token);
        int rc = nat.libc().epoll_ctl(epfd, LibC.EPOLL_CTL_ADD, fd, ev);
        java.lang.ref.Reference.reachabilityFence(ev); // freed by a cleaner once unreachable
        if (rc != 0) {
            throw new BpfException(BpfException.Stage.RING_BUFFER, Errno.of(nat.errno()), "epoll_ctl ADD ring fd " + fd);
        }
    }

    private void wake() {
        Pointer one = nat.allocate(8);
        one.putLong(0, 1);
        nat.libc().write(controlFd, one, 8);
        java.lang.ref.Reference.reachabilityFence(one); // freed by a cleaner once unreachable
    }

    private void loop() {
        LibC libc = nat.libc();
        List<Registration> ready = new ArrayList<>();
        long lastSweep = System.nanoTime();
        long sweepEvery = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            while (running) {
                int n = libc.epoll_wait(epfd, events, MAX_EVENTS, timeoutMs);
                long start = System.nanoTime();
                Runnable cmd;
                while ((cmd = commands.poll()) != null) {
                    cmd.run();
                }
                int records = 0;
                ready.clear();
                for (int i = 0; i < n; i++) {
                    long token = events.getLong((long) i * EVENT_SIZE + DATA_OFFSET);
                    if (token == CONTROL_TOKEN) {
                        libc.read(controlFd, eventfdBuf, 8);
                        continue;
                    }
                    Registration r = registrations.get(token);
                    if (r != null) {
                        ready.add(r);
                    }
                }
                for (Registration r : ready) {
                    records += r.drain();
                }
                if (n <= 0 || start - lastSweep >= sweepEvery) {
                    for (Registration r : registrations.values()) {
                        records += r.drain();
                    }
                    lastSweep = start;
                }
                observer.onLoop(records, System.nanoTime() - start);
            }
        } catch (Throwable t) {
            died = t;
            LOG.error("ring-buffer poller died; monitors stop receiving events", t);
        } finally {
            Runnable cmd;
            while ((cmd = commands.poll()) != null) {
                cmd.run();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nat.libc().close(controlFd);
        nat.libc().close(epfd);
    }

    /** A ring being drained. Closing stops the draining; it does not unmap or close the ring. */
    public final class Registration implements AutoCloseable {
        private final long token;
        private final int fd;
        private final RingBufferReader reader;
        private final RingBufferReader.RecordSink sink;
        private volatile boolean active = true;

        private Registration(long token, int fd, RingBufferReader reader, RingBufferReader.RecordSink sink) {
            this.token = token;
            this.fd = fd;
            this.reader = reader;
            this.sink = sink;
        }

        private int drain() {
            return active ? reader.drain(sink, BUDGET) : 0;
        }

        /** Drains what is left, then stops; on return the poller no longer touches the ring. */
        @Override
        public void close() {
            if (!active) {
                return;
            }
            nat.libc().epoll_ctl(epfd, LibC.EPOLL_CTL_DEL, fd, null);
            if (Thread.currentThread() == thread || !isAlive()) {
                finish();
                return;
            }
            CountDownLatch done = new CountDownLatch(1);
            commands.add(() -> {
                finish();
                done.countDown();
            });
            wake();
            try {
                if (!done.await(5, TimeUnit.SECONDS) && isAlive()) {
                    LOG.warnf("poller did not release ring fd %d within 5 s", fd);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            active = false;
            registrations.remove(token);
        }

        private void finish() {
            if (active) {
                reader.drain(sink, Integer.MAX_VALUE);
            }
            active = false;
            registrations.remove(token);
        }
    }
}
