package io.cellflow.bpf;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs actions inside a network namespace on one dedicated platform thread.
 *
 * <p>{@code setns(CLONE_NEWNET)} changes only the calling OS thread, so entering a namespace on a pooled or
 * virtual thread would leak the namespace into unrelated work. Here every action runs on a thread this class owns:
 * enter, act, restore. Sockets created by the action (netlink for tc, or any test socket) stay bound to the
 * namespace they were created in. If the thread cannot return to the host namespace it is retired and a fresh
 * thread serves the next action. Thread-safe; actions run one at a time.
 */
public final class NetnsExecutor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NetnsExecutor.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** An action that runs inside the namespace. */
    @FunctionalInterface
    public interface Action<T> {
        T run() throws BpfException;
    }

    private final Native nat;
    private volatile ExecutorService thread;

    public NetnsExecutor(Native nat) {
        this.nat = nat;
        this.thread = newThread();
    }

    private static ExecutorService newThread() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cellflow-netns-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code action} inside the namespace at {@code netns} ({@code /run/netns/NAME} or
     * {@code /proc/PID/ns/net}) and returns its result.
     *
     * @throws BpfException NETNS_NOT_FOUND if the path cannot be opened or is no network namespace, NETNS_ENTER if
     *     setns fails, or whatever the action throws
     */
    public <T> T call(Path netns, Action<T> action) throws BpfException {
        ExecutorService t = thread;
        Future<T> f = t.submit((Callable<T>) () -> enterAndRun(netns, action));
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BpfException(BpfException.Stage.NETNS_ENTER, "interrupted while waiting for " + netns, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RestoreFailed rf) {
                retire(t);
                throw rf.failure;
            }
            if (c instanceof BpfException be) {
                throw be;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(c);
        }
    }

    private <T> T enterAndRun(Path netns, Action<T> action) throws Exception {
        LibC libc = nat.libc();
        int home = libc.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (home < 0) {
            throw new BpfException(BpfException.Stage.NETNS_ENTER, Errno.of(nat.errno()),
                    "cannot open this thread's own network namespace");
        }
        try {
            int target = libc.open(netns.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
            if (target < 0) {
                throw new BpfException(BpfException.Stage.NETNS_NOT_FOUND, Errno.of(nat.errno()),
                        "network namespace " + netns + " cannot be opened");
            }
            try {
                if (libc.setns(target, LibC.CLONE_NEWNET) != 0) {
                    Errno err = Errno.of(nat.errno());
                    // EINVAL: the file exists but is not a network namespace
                    throw new BpfException(err.number() == 22 ? BpfException.Stage.NETNS_NOT_FOUND
                            : BpfException.Stage.NETNS_ENTER, err, "cannot enter network namespace " + netns);
                }
            } finally {
                libc.close(target);
            }
            try {
                return action.run();
            } finally {
                if (libc.setns(home, LibC.CLONE_NEWNET) != 0) {
                    throw new RestoreFailed(new BpfException(BpfException.Stage.NETNS_ENTER,
                            Errno.of(nat.errno()), "cannot return to the host network namespace after " + netns));
                }
            }
        } finally {
            libc.close(home);
        }
    }

    private synchronized void retire(ExecutorService broken) {
        if (thread == broken) {
            LOG.error("netns thread could not restore the host namespace; retiring it");
            thread = newThread();
            broken.shutdownNow();
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** Carries a restore failure out of the thread, so the caller retires it. */
    private static final class RestoreFailed extends RuntimeException {
        final BpfException failure;

        RestoreFailed(BpfException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }
}
