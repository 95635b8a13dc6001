package io.cellflow.bpf;

import io.cellflow.flow.FlowAbi;
import io.cellflow.policy.PolicyTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import org.jboss.logging.Logger;

/**
 * Everything one cell's eBPF monitor holds in the kernel: the loaded object (programs and maps), the ingress and
 * egress attachments, the mmap'd ring buffer and its place in the poller. Owned by one monitor; {@link #close()}
 * releases all of it in reverse order, is idempotent, and never throws.
 */
public final class EbpfFlowSource implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EbpfFlowSource.class);

    private final Native nat;
    private final NetnsExecutor netns;
    private final Path netnsPath;
    private final String ifname;
    private final int ifindex;
    private final BpfObject object;
    private final List<HookAttachment> hooks;
    private final RingBufferReader ring;
    private final RingBufferPoller.Registration registration;
    private final PolicyMaps policy;
    private final int statsFd;
    private final int flowsFd;
    private final FlowTableDrainer drainer;
    private final FlowTableDrainer.Sink tableSink;
    private final Pointer statsKey;
    private final Pointer statsValue;
    private final int cpus;
    private boolean closed;

    private EbpfFlowSource(Native nat, NetnsExecutor netns, Path netnsPath, String ifname, int ifindex,
            BpfObject object, List<HookAttachment> hooks, RingBufferReader ring,
            RingBufferPoller.Registration registration, PolicyMaps policy, int statsFd, int flowsFd,
            FlowTableDrainer drainer, FlowTableDrainer.Sink tableSink) {
        this.nat = nat;
        this.netns = netns;
        this.netnsPath = netnsPath;
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.object = object;
        this.hooks = hooks;
        this.ring = ring;
        this.registration = registration;
        this.policy = policy;
        this.statsFd = statsFd;
        this.flowsFd = flowsFd;
        this.drainer = drainer;
        this.tableSink = tableSink;
        this.cpus = Math.max(1, nat.libbpf().libbpf_num_possible_cpus());
        this.statsKey = nat.allocate(4);
        this.statsValue = nat.allocate(FlowAbi.Stats.SIZE * cpus);
    }

    /**
     * Loads the program for one cell, attaches it to {@code target} (both directions), and starts delivering
     * ring-buffer records to {@code sink} on the poller thread; {@link #drainFlows()} empties the flow table into
     * {@code tableSink}. On failure everything taken so far is released before the exception leaves (a pooled
     * object included: it never goes back to the pool).
     *
     * @param objects where the loaded object comes from: preloaded when {@code settings} are the pool's, else loaded
     *     now
     * @param policy the cell's egress policy, written before the hooks attach so that the first packet meets it;
     *     {@code null}: none, the program only observes
     */
    public static EbpfFlowSource start(Native nat, NetnsExecutor netns, RingBufferPoller poller,
            PreloadedObjects objects, EbpfSettings settings, AttachTarget target, PolicyTables policy,
            RingBufferReader.RecordSink sink, FlowTableDrainer drainer, FlowTableDrainer.Sink tableSink)
            throws BpfException {
        long t0 = System.nanoTime();
        // step: the interface must exist before we spend a program load on it
        Path netnsPath = target instanceof AttachTarget.Interface i ? i.netns() : null;
        String ifname = target instanceof AttachTarget.Interface i ? i.ifname() : null;
        int ifindex = netnsPath == null ? 0 : netns.call(netnsPath, () -> ifindex(nat, ifname, netnsPath));
        BpfObjectSpec spec = BpfObjectSpec.of(settings, target);

        List<AutoCloseable> taken = new ArrayList<>();
        try {
            // step: a loaded object with the pair this target attaches, sized: preloaded, or loaded now
            long t1 = System.nanoTime();
            BpfObject object = objects.take(spec);
            taken.add(object);
            long t2 = System.nanoTime();
            int ingress = object.programFd(spec.ingressProgram());
            int egress = object.programFd(spec.egressProgram());

            // step: map the ring before attaching, so no record is produced that we could not read
            RingBufferReader ring = RingBufferReader.map(nat, object.mapFd(FlowAbi.MAP_EVENTS),
                    object.maxEntries(FlowAbi.MAP_EVENTS));
            taken.add(ring);
            RingBufferPoller.Registration reg = poller.register(object.mapFd(FlowAbi.MAP_EVENTS), ring, sink);
            taken.add(reg);

            // step: the policy, before any packet can reach the program
            PolicyMaps policyMaps = new PolicyMaps(nat, object);
            if (policy != null) {
                policyMaps.apply(policy);
            }

            // step: attach both directions (tc: inside the namespace, where ifindex and netlink live)
            long t3 = System.nanoTime();
            long[] marks = new long[4];
            List<HookAttachment> hooks = target instanceof AttachTarget.Cgroup c
                    ? attachCgroup(nat, ingress, egress, c.directory())
                    : attachBoth(nat, netns, netnsPath, settings.attach(), ingress, egress, ifindex, ifname, marks);
            if (LOG.isDebugEnabled()) { // where a slow start spent its time (bench/cells_rss.sh, debug log)
                long t4 = System.nanoTime();
                LOG.debugf("start on %s: ifindex %.2f ms, object %.2f ms, ring and policy %.2f ms, attach %.2f ms"
                        + " (ingress %.2f-%.2f, egress %.2f-%.2f), pool %d ready",
                        ifname, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6,
                        rel(marks[0], t3), rel(marks[1], t3), rel(marks[2], t3), rel(marks[3], t3),
                        objects.ready());
            }
            return new EbpfFlowSource(nat, netns, netnsPath, ifname, ifindex, object, hooks, ring, reg,
                    policyMaps, object.mapFd(FlowAbi.MAP_STATS), object.mapFd(FlowAbi.MAP_FLOWS), drainer,
                    tableSink);
        } catch (BpfException | RuntimeException e) {
            for (int i = taken.size() - 1; i >= 0; i--) {
                try {
                    taken.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static double rel(long mark, long from) {
        return mark == 0 ? -1 : (mark - from) / 1e6;
    }

    private static List<HookAttachment> attachCgroup(Native nat, int ingress, int egress, Path cgroup)
            throws BpfException {
        CgroupLink in = CgroupLink.attach(nat, ingress, cgroup, true);
        try {
            return List.of(in, CgroupLink.attach(nat, egress, cgroup, false));
        } catch (BpfException e) {
            in.close();
            throw e;
        }
    }

    private static int ifindex(Native nat, String ifname, Path netnsPath) throws BpfException {
        int idx = nat.libc().if_nametoindex(ifname);
        if (idx == 0) {
            throw new BpfException(BpfException.Stage.INTERFACE_NOT_FOUND, Errno.of(nat.errno()),
                    "no interface " + ifname + " in " + netnsPath);
        }
        return idx;
    }

    /**
     * tc hooks are attached inside the namespace, where the ifindex and netlink live. {@code auto} takes tc clsact
     * filters first: the kernel holds {@code rtnl_lock} across a whole RCU grace period for each TCX attach (two per
     * start, ~26 ms here, during which every other netlink user of the host waits too), while the first filter on
     * a new clsact qdisc needs only an expedited one (~0.2 ms for both). TCX links are the fallback: where the
     * kernel refuses the filters, or a filter of ours is still there (left by a cellflow that was killed: our TCX
     * program answers before tc runs, so the stale filter stays idle and is never touched).
     */
    private static List<HookAttachment> attachBoth(Native nat, NetnsExecutor netns, Path netnsPath,
            EbpfSettings.Attach mode, int ingress, int egress, int ifindex, String ifname, long[] marks)
            throws BpfException {
        if (mode == EbpfSettings.Attach.TCX) {
            return attachTcx(nat, netns, netnsPath, ingress, egress, ifindex, ifname, marks);
        }
        try {
            return netns.call(netnsPath, () -> attachTc(nat, ingress, egress, ifindex, ifname, marks));
        } catch (BpfException e) {
            if (mode == EbpfSettings.Attach.TC || e.stage() != BpfException.Stage.ATTACH) {
                throw e;
            }
            LOG.infof("tc clsact attach failed on %s (%s); using TCX links", ifname, e.getMessage());
            return attachTcx(nat, netns, netnsPath, ingress, egress, ifindex, ifname, marks);
        }
    }

    private static List<HookAttachment> attachTcx(Native nat, NetnsExecutor netns, Path netnsPath, int ingress,
            int egress, int ifindex, String ifname, long[] marks) throws BpfException {
        // each TCX attach waits for an RCU grace period: both directions at once (the kernel still runs them
        // one after the other, under rtnl_lock)
        NetnsExecutor.Pair<TcxLink, TcxLink> links = netns.callBoth(netnsPath,
                () -> timed(marks, 0, () -> TcxLink.attach(nat, ingress, ifindex, true, ifname)),
                () -> timed(marks, 2, () -> TcxLink.attach(nat, egress, ifindex, false, ifname)));
        return List.of(links.first(), links.second());
    }

    private static <T> T timed(long[] marks, int at, NetnsExecutor.Action<T> action) throws BpfException {
        marks[at] = System.nanoTime();
        try {
            return action.run();
        } finally {
            marks[at + 1] = System.nanoTime();
        }
    }

    private static List<HookAttachment> attachTc(Native nat, int ingress, int egress, int ifindex, String ifname,
            long[] marks) throws BpfException {
        boolean created = TcClsactFilter.createQdisc(nat, ifindex, ifname);
        TcClsactFilter in;
        try {
            // the ingress filter owns a qdisc we created: it closes last (closeHooks goes in reverse)
            in = timed(marks, 0, () -> TcClsactFilter.attach(nat, ingress, ifindex, true, ifname, created));
        } catch (BpfException e) {
            if (created) {
                TcClsactFilter.destroyQdisc(nat, ifindex);
            }
            throw e;
        }
        try {
            return List.of(in, timed(marks, 2, () -> TcClsactFilter.attach(nat, egress, ifindex, false, ifname,
                    false)));
        } catch (BpfException e) {
            in.close();
            throw e;
        }
    }

    /** {@code tcx} or {@code tc}. */
    public String attachMode() {
        return hooks.get(0).mode();
    }

    public int ifindex() {
        return ifindex;
    }

    /** Reads the program's counters now (one syscall). */
    public synchronized KernelCounters counters() {
        if (closed) {
            return KernelCounters.ZERO;
        }
        statsKey.putInt(0, 0);
        if (nat.libbpf().bpf_map_lookup_elem(statsFd, statsKey, statsValue) != 0) {
            return KernelCounters.ZERO;
        }
        long[] sum = new long[FlowAbi.Stats.SIZE / 8];
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (int f = 0; f < sum.length; f++) {
                sum[f] += statsValue.getLong((long) cpu * FlowAbi.Stats.SIZE + f * 8L);
            }
        }
        return new KernelCounters(sum[0], sum[1], sum[2], sum[3], sum[4], sum[5]);
    }

    /**
     * Empties the flow table into the table sink: each entry is what the kernel counted for that flow since the
     * previous drain. Thread-safe against {@link #close()}.
     *
     * @return entries drained
     */
    public synchronized int drainFlows() {
        return closed ? 0 : drainer.drain(flowsFd, tableSink);
    }

    /**
     * Replaces the cell's policy live: flows, ring and attachments stay as they are; packets see the old policy
     * or the new one, never a mix (see {@link PolicyMaps}).
     *
     * @return the generation now live
     * @throws BpfException POLICY with the errno; the old policy stays live
     * @throws IllegalStateException if the source is closed
     */
    public synchronized int applyPolicy(PolicyTables tables) throws BpfException {
        if (closed) {
            throw new IllegalStateException("eBPF source of " + ifname + " is closed");
        }
        return policy.apply(tables);
    }

    /** The program's policy counters (one syscall); zero once closed. */
    public synchronized PolicyCounters policyCounters() {
        return closed ? PolicyCounters.ZERO : policy.counters();
    }

    /** Size of the cell's ring buffer (its data area) in bytes. */
    public int ringBufferBytes() {
        return ring.capacity();
    }

    /** Fraction of the ring holding records not yet consumed. */
    public double ringFillRatio() {
        return (double) ring.pendingBytes() / ring.capacity();
    }

    /**
     * Detaches, delivers the last ring records and the last flow-table counts, unmaps the ring and frees programs
     * and maps. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        // tc filters speak netlink and must be removed from inside the namespace; TCX links close anywhere
        boolean needsNetns = hooks.stream().anyMatch(h -> h instanceof TcClsactFilter);
        if (needsNetns) {
            try {
                netns.call(netnsPath, () -> {
                    closeHooks();
                    return null;
                });
            } catch (BpfException e) {
                // the namespace is gone, and with it the interface, its qdisc and our filters
                LOG.debugf("namespace %s gone before detach from %s: %s", netnsPath, ifname, e.getMessage());
            }
        } else {
            closeHooks();
        }
        registration.close();
        // detached and the ring delivered: what the table holds now is final
        drainer.drain(flowsFd, tableSink);
        closed = true;
        ring.close();
        object.close();
    }

    private void closeHooks() {
        for (int i = hooks.size() - 1; i >= 0; i--) {
            hooks.get(i).close();
        }
    }
}
