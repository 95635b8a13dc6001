package io.cellflow.nflog;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.Errno;
import io.cellflow.bpf.Native;
import io.cellflow.bpf.NetnsExecutor;
import io.cellflow.flow.Decision;
import io.cellflow.flow.FlowEvent;
import io.cellflow.policy.Policy;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The NFLOG backend for one cell: an nft table in the cell's namespace that logs every new connection on the
 * cell's interface to an NFLOG group, a netlink socket bound to that group in the same namespace, and one reader
 * thread that decodes what the kernel sends and hands each {@link FlowEvent} to the sink.
 *
 * <p>Unlike the BPF backend this sees connections, not per-direction flows: conntrack marks only the first packet
 * of a connection {@code new}, so a reply never opens a flow of its own, and packet and byte counts are unknown
 * (-1). Lifecycle: {@link #start} takes the socket, then the table, then starts the thread, and releases what it
 * took if a later step fails; {@link #close} undoes it all, is idempotent, never throws, and is safe from any
 * thread, including from the sink.
 */
public final class NflogFlowSource implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NflogFlowSource.class);
    /** How long a stopping reader may take to notice: one poll. */
    static final int POLL_MILLIS = 200;
    /** Bound on waiting for the reader in close(); beyond one poll only a slow sink can hold it. */
    static final long JOIN_MILLIS = 2000;

    private final Path netnsPath;
    private volatile NflogRuleset ruleset; // replaced under this by applyPolicy
    private final NflogSocket socket;
    private final int ifindex;
    private final Consumer<FlowEvent> sink;
    private final NflogDecoder decoder = new NflogDecoder();
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();
    private final AtomicLong sinkFailures = new AtomicLong();
    private final Thread reader;
    private volatile boolean running = true;
    private volatile NflogException readerFailure;
    private boolean closed;

    private NflogFlowSource(Path netnsPath, NflogRuleset ruleset, NflogSocket socket, int ifindex, String cellId,
            Consumer<FlowEvent> sink) {
        this.netnsPath = netnsPath;
        this.ruleset = ruleset;
        this.socket = socket;
        this.ifindex = ifindex;
        this.sink = sink;
        this.reader = new Thread(this::readLoop, "cellflow-nflog-" + cellId);
        this.reader.setDaemon(true);
    }

    /**
     * Starts monitoring {@code ifname} in the namespace at {@code netnsPath} ({@code /run/netns/NAME} or
     * {@code /proc/PID/ns/net}).
     *
     * @param group the NFLOG group; it must be free in that namespace (groups are per namespace), e.g.
     *     {@link NflogRuleset#defaultGroup(String)}
     * @param sink receives every event on the reader thread; it must not block (a blocked sink stalls this cell's
     *     reader and the kernel drops what no longer fits the socket buffer). An exception it throws is logged and
     *     counted, and reading goes on.
     * @throws NflogException NETNS_NOT_FOUND, INTERFACE_NOT_FOUND, NETLINK_FAILED (socket, bind, group config) or
     *     NFT_FAILED (table install); nothing is left behind
     * @throws IllegalArgumentException if the cell id, interface name or group is not valid
     */
    public static NflogFlowSource start(Native nat, NetnsExecutor netns, Path netnsPath, String ifname,
            String cellId, int group, Consumer<FlowEvent> sink) throws NflogException {
        return start(nat, netns, netnsPath, ifname, cellId, group, null, sink);
    }

    /**
     * As {@link #start(Native, NetnsExecutor, Path, String, String, int, Consumer)}, enforcing {@code policy}
     * ({@code null}: none) from the first packet: the table is installed with it.
     */
    public static NflogFlowSource start(Native nat, NetnsExecutor netns, Path netnsPath, String ifname,
            String cellId, int group, Policy policy, Consumer<FlowEvent> sink) throws NflogException {
        NflogRuleset ruleset = new NflogRuleset(cellId, ifname, group, policy);

        // step: the interface must exist; ifindex is per namespace, so ask inside it
        int[] found;
        try {
            found = netns.call(netnsPath, () -> {
                int idx = nat.libc().if_nametoindex(ifname);
                return new int[] {idx, idx == 0 ? nat.errno() : 0};
            });
        } catch (BpfException e) {
            throw NflogException.fromNetns(e);
        }
        if (found[0] == 0) {
            throw NflogException.interfaceNotFound(ifname, netnsPath.toString(), Errno.of(found[1]));
        }

        // step: listen first, then log: no packet is logged before the group has its reader
        NflogSocket socket = NflogSocket.open(nat, netns, netnsPath, group);
        try {
            ruleset.install(netnsPath);
        } catch (NflogException | RuntimeException e) {
            removeQuietly(ruleset, netnsPath, e); // a killed nft may have committed; the table is ours by name
            socket.close();
            throw e;
        }

        NflogFlowSource source = new NflogFlowSource(netnsPath, ruleset, socket, found[0], cellId, sink);
        source.reader.start();
        LOG.debugf("nflog monitor on %s in %s: table %s, group %d", ifname, netnsPath, ruleset.tableName(),
                group);
        return source;
    }

    private static void removeQuietly(NflogRuleset ruleset, Path netnsPath, Exception primary) {
        try {
            ruleset.remove(netnsPath);
        } catch (NflogException | RuntimeException e) {
            primary.addSuppressed(e);
        }
    }

    private void readLoop() {
        while (running) {
            ByteBuffer datagram;
            try {
                datagram = socket.receive(POLL_MILLIS);
            } catch (NflogException e) {
                if (running) {
                    readerFailure = e;
                    LOG.errorf(e, "nflog reader for %s stopped", ruleset.tableName());
                }
                return;
            }
            if (datagram.hasRemaining()) {
                decoder.decode(datagram, System.nanoTime(), this::deliver);
            }
        }
    }

    private void deliver(FlowEvent e) {
        if (!running) {
            return; // closed (possibly by the sink itself) in the middle of a datagram
        }
        try {
            sink.accept(e);
            packets.incrementAndGet();
            if (e.decision() == Decision.DENY) {
                denied.incrementAndGet();
            }
        } catch (RuntimeException ex) {
            if (sinkFailures.getAndIncrement() == 0) {
                LOG.warnf(ex, "nflog sink of %s failed; further failures are only counted", ruleset.tableName());
            }
        }
    }

    /**
     * Replaces the policy live: the table is rewritten in one nft transaction (see {@link NflogRuleset#render()}),
     * the socket and its reader carry on, so no event is lost.
     *
     * @throws NflogException NFT_FAILED with nft's message; the previous table stays as it was
     * @throws IllegalStateException if the source is closed
     */
    public synchronized void applyPolicy(Policy policy) throws NflogException {
        if (closed) {
            throw new IllegalStateException("nflog source of " + ruleset.tableName() + " is closed");
        }
        NflogRuleset next = ruleset.withPolicy(policy);
        next.install(netnsPath);
        ruleset = next;
    }

    /** Events handed to the sink. */
    public long packets() {
        return packets.get();
    }

    /** Packets the policy dropped, as their log messages arrived (the kernel may drop log messages: overruns). */
    public long denied() {
        return denied.get();
    }

    /** Messages the decoder skipped as malformed or truncated. */
    public long malformed() {
        return decoder.malformed();
    }

    /** Logged packets under a prefix that is not ours (another rule logging to our group), skipped. */
    public long foreignPrefix() {
        return decoder.foreignPrefix();
    }

    /** Times the kernel dropped log messages because the socket buffer was full. */
    public long overruns() {
        return socket.overruns();
    }

    /** Events the sink threw on. */
    public long sinkFailures() {
        return sinkFailures.get();
    }

    /** Why the reader stopped before {@link #close()}, if it did (the socket failed). */
    public Optional<NflogException> readerFailure() {
        return Optional.ofNullable(readerFailure);
    }

    public int ifindex() {
        return ifindex;
    }

    public int group() {
        return ruleset.group();
    }

    /** Our nft table, {@code inet <name>}. */
    public String tableName() {
        return ruleset.tableName();
    }

    /**
     * Stops the reader (waits at most {@link #JOIN_MILLIS}), deletes our table (only it) and closes the socket.
     * Idempotent, never throws; a namespace that is already gone took the table with it.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        running = false;
        // an interrupted caller still gets everything released (nft's wait would fail at once): restore it at the end
        boolean interrupted = Thread.interrupted();
        if (Thread.currentThread() != reader) {
            try {
                reader.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (reader.isAlive()) {
                LOG.warnf("nflog reader of %s still busy in its sink after %d ms; closing anyway",
                        ruleset.tableName(), JOIN_MILLIS);
            }
        }
        try {
            ruleset.remove(netnsPath);
        } catch (NflogException | RuntimeException e) {
            LOG.errorf(e, "could not delete nft table %s in %s", ruleset.tableName(), netnsPath);
        }
        socket.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
