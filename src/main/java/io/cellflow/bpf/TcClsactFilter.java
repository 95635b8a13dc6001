package io.cellflow.bpf;

import java.lang.ref.Reference;
import jnr.ffi.Pointer;

/**
 * A direct-action tc filter on a clsact qdisc: the default hook (see EbpfFlowSource#attachBoth for why not TCX
 * first). Uses our own handle and priority; creates
 * the clsact qdisc only when there is none, and destroys it on close only if we created it (another tool's qdisc
 * and filters are never touched). Both attach and close speak netlink in the current network namespace, so both
 * must run on the {@link NetnsExecutor} inside the interface's namespace.
 */
public final class TcClsactFilter implements HookAttachment {
    /** Handle and priority of our filters: fixed so a stale one of ours is recognisable with tc filter show. */
    public static final int HANDLE = 0xcf10;
    public static final int PRIORITY = 0xcf1;

    // struct bpf_tc_hook { size_t sz; int ifindex; enum bpf_tc_attach_point attach_point; __u32 parent; } (24 B)
    private static final int HOOK_SIZE = 24;
    // struct bpf_tc_opts { size_t sz; int prog_fd; __u32 flags, prog_id, handle, priority; } (32 B)
    private static final int OPTS_SIZE = 32;
    private static final int EEXIST = 17;

    private final Native nat;
    private final int ifindex;
    private final boolean ingress;
    private final boolean createdQdisc;
    private boolean attached = true;

    private TcClsactFilter(Native nat, int ifindex, boolean ingress, boolean createdQdisc) {
        this.nat = nat;
        this.ifindex = ifindex;
        this.ingress = ingress;
        this.createdQdisc = createdQdisc;
    }

    /**
     * Creates the clsact qdisc of {@code ifindex} unless it has one: once for both filters (a second create
     * only draws the kernel's "exclusivity flag on" message, which libbpf prints).
     *
     * @return whether we created it (then the filter that owns it destroys it on close)
     */
    public static boolean createQdisc(Native nat, int ifindex, String ifname) throws BpfException {
        Pointer both = hook(nat, ifindex, LibBpf.BPF_TC_INGRESS | LibBpf.BPF_TC_EGRESS);
        int rc = nat.libbpf().bpf_tc_hook_create(both);
        Reference.reachabilityFence(both); // freed by a cleaner once unreachable
        if (rc != 0 && -rc != EEXIST) {
            throw new BpfException(BpfException.Stage.ATTACH, Errno.of(rc), "clsact qdisc on " + ifname);
        }
        return rc == 0;
    }

    /**
     * Our filter on one hook of the clsact qdisc ({@link #createQdisc} first).
     *
     * @param ownsQdisc whether closing this filter also destroys the qdisc (close it after the other filter)
     */
    public static TcClsactFilter attach(Native nat, int progFd, int ifindex, boolean ingress, String ifname,
            boolean ownsQdisc) throws BpfException {
        Pointer hook = hook(nat, ifindex, ingress ? LibBpf.BPF_TC_INGRESS : LibBpf.BPF_TC_EGRESS);
        Pointer opts = opts(nat, progFd);
        int rc = nat.libbpf().bpf_tc_attach(hook, opts);
        Reference.reachabilityFence(hook); // the structs' memory is freed by a cleaner once unreachable
        Reference.reachabilityFence(opts);
        if (rc != 0) {
            String hookName = ingress ? "ingress" : "egress";
            throw new BpfException(BpfException.Stage.ATTACH, Errno.of(rc), -rc != EEXIST
                    ? "tc " + hookName + " filter on " + ifname
                    : "tc " + hookName + " filter on " + ifname + ": one with our handle is there already (left by"
                            + " a cellflow that was killed? 'tc filter del dev " + ifname + " " + hookName + " pref "
                            + PRIORITY + "' in the cell's namespace removes it)");
        }
        return new TcClsactFilter(nat, ifindex, ingress, ownsQdisc);
    }

    private static Pointer hook(Native nat, int ifindex, int attachPoint) {
        Pointer p = nat.allocate(HOOK_SIZE);
        p.putLong(0, HOOK_SIZE);
        p.putInt(8, ifindex);
        p.putInt(12, attachPoint);
        return p;
    }

    private static Pointer opts(Native nat, int progFd) {
        Pointer p = nat.allocate(OPTS_SIZE);
        p.putLong(0, OPTS_SIZE);
        p.putInt(8, progFd);
        p.putInt(20, HANDLE);
        p.putInt(24, PRIORITY);
        return p;
    }

    @Override
    public String mode() {
        return "tc";
    }

    /** Must run inside the interface's namespace; a gone interface means the kernel already removed it all. */
    @Override
    public synchronized void close() {
        if (!attached) {
            return;
        }
        attached = false;
        Pointer hook = hook(nat, ifindex, ingress ? LibBpf.BPF_TC_INGRESS : LibBpf.BPF_TC_EGRESS);
        Pointer opts = opts(nat, 0);
        nat.libbpf().bpf_tc_detach(hook, opts);
        Reference.reachabilityFence(hook);
        Reference.reachabilityFence(opts);
        if (createdQdisc) {
            destroyQdisc(nat, ifindex);
        }
    }

    /** Destroys the clsact qdisc with every filter on it: only one that {@link #createQdisc} created. */
    public static void destroyQdisc(Native nat, int ifindex) {
        Pointer both = hook(nat, ifindex, LibBpf.BPF_TC_INGRESS | LibBpf.BPF_TC_EGRESS);
        nat.libbpf().bpf_tc_hook_destroy(both);
        Reference.reachabilityFence(both);
    }
}
