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
 * Runs actions inside a network namespace on dedicated platform threads.
 *
 * <p>{@code setns(CLONE_NEWNET)} changes only the calling OS thread, so entering a namespace on a pooled or
 * virtual thread would leak the namespace into unrelated work. Here every action runs on a thread this class owns:
 * enter, act, restore. Sockets created by the action (netlink for tc, or any test socket) stay bound to the
 * namespace they were created in. If the thread cannot return to the host namespace it is retired and a fresh
 * thread serves the next action. Thread-safe; {@link #call} actions run one at a time on the first thread;
 * {@link #callBoth} runs two at once on both, for kernel calls that mostly wait (a TCX attach waits for an RCU
 * grace period, so attaching ingress and egress side by side halves that part of a monitor start).
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
    private final ExecutorService[] threads = new ExecutorService[2];

    public NetnsExecutor(Native nat) {
        this.nat = nat;
        threads[0] = newThread();
        threads[1] = newThread();
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
        return await(0, submit(0, netns, action), netns);
    }

    /**
     * Runs {@code first} and {@code second} inside the namespace at the same time, each on its own thread, and
     * returns both results once both are done. If either fails, the other's result is closed (when it succeeded)
     * before the failure is thrown, so nothing is left half-done.
     */
    public <A extends AutoCloseable, B extends AutoCloseable> Pair<A, B> callBoth(Path netns, Action<A> first,
            Action<B> second) throws BpfException {
        Future<B> fb = submit(1, netns, second);
        A a;
        try {
            a = await(0, submit(0, netns, first), netns);
        } catch (BpfException | RuntimeException e) {
            try {
                closeQuietly(await(1, fb, netns), e);
            } catch (BpfException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        try {
            return new Pair<>(a, await(1, fb, netns));
        } catch (BpfException | RuntimeException e) {
            closeQuietly(a, e);
            throw e;
        }
    }

    /** Two results of {@link #callBoth}. */
    public record Pair<A, B>(A first, B second) {}

    private static void closeQuietly(AutoCloseable done, Exception failure) {
        try {
            done.close();
        } catch (Exception suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    private <T> Future<T> submit(int index, Path netns, Action<T> action) {
        ExecutorService t;
        synchronized (this) {
            t = threads[index];
        }
        return t.submit((Callable<T>) () -> {
            try {
                return enterAndRun(netns, action);
            } catch (RestoreFailed rf) {
                retire(t, index);
                throw rf.failure;
            }
        });
    }

    private static <T> T await(int index, Future<T> f, Path netns) throws BpfException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BpfException(BpfException.Stage.NETNS_ENTER, "interrupted while waiting for " + netns, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
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

    /**
     * Called on the broken thread itself: later actions go to a fresh thread; actions already queued behind this
     * one are cancelled (their callers get a CancellationException) rather than run in the wrong namespace.
     */
    private synchronized void retire(ExecutorService broken, int index) {
        if (threads[index] == broken) {
            LOG.error("netns thread could not restore the host namespace; retiring it");
            threads[index] = newThread();
            for (Runnable queued : broken.shutdownNow()) {
                if (queued instanceof Future<?> f) {
                    f.cancel(false);
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        for (ExecutorService t : threads) {
            t.shutdownNow();
        }
    }

    /** Marks a restore failure inside the thread, so that the thread retires itself. */
    private static final class RestoreFailed extends RuntimeException {
        final BpfException failure;

        RestoreFailed(BpfException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }
}
