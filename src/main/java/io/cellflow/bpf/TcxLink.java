package io.cellflow.bpf;

/**
 * A TCX link (kernel 6.6+): {@code bpf_link_create} with {@code BPF_TCX_INGRESS}/{@code BPF_TCX_EGRESS}. The
 * kernel detaches the program when the link fd is closed, also when the process dies, so nothing can be left
 * behind. Creation must run inside the interface's namespace (the ifindex is resolved there); closing need not.
 */
public final class TcxLink implements HookAttachment {
    private final Native nat;
    private int fd;

    private TcxLink(Native nat, int fd) {
        this.nat = nat;
        this.fd = fd;
    }

    /** @param ingress the ingress hook if true, else egress */
    public static TcxLink attach(Native nat, int progFd, int ifindex, boolean ingress, String ifname)
            throws BpfException {
        int type = ingress ? LibBpf.BPF_TCX_INGRESS : LibBpf.BPF_TCX_EGRESS;
        int fd = nat.libbpf().bpf_link_create(progFd, ifindex, type, null);
        if (fd < 0) {
            throw new BpfException(BpfException.Stage.ATTACH, Errno.of(fd),
                    "TCX " + (ingress ? "ingress" : "egress") + " link on " + ifname);
        }
        return new TcxLink(nat, fd);
    }

    @Override
    public String mode() {
        return "tcx";
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            nat.libc().close(fd);
            fd = -1;
        }
    }
}
