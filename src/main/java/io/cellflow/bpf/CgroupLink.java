package io.cellflow.bpf;

import java.nio.file.Path;

/**
 * A cgroup_skb program linked to a cgroup v2 directory ({@code bpf_link_create} with
 * {@code BPF_CGROUP_INET_INGRESS}/{@code _EGRESS}). Like a TCX link, it goes away when its fd closes, also when
 * the process dies; the cgroup's own programs and other links are untouched.
 */
public final class CgroupLink implements HookAttachment {
    private final Native nat;
    private int fd;

    private CgroupLink(Native nat, int fd) {
        this.nat = nat;
        this.fd = fd;
    }

    public static CgroupLink attach(Native nat, int progFd, Path cgroup, boolean ingress) throws BpfException {
        int dir = nat.libc().open(cgroup.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        if (dir < 0) {
            throw new BpfException(BpfException.Stage.ATTACH, Errno.of(nat.errno()), "cannot open cgroup " + cgroup);
        }
        try {
            int type = ingress ? LibBpf.BPF_CGROUP_INET_INGRESS : LibBpf.BPF_CGROUP_INET_EGRESS;
            int link = nat.libbpf().bpf_link_create(progFd, dir, type, null);
            if (link < 0) {
                throw new BpfException(BpfException.Stage.ATTACH, Errno.of(link),
                        "cgroup_skb " + (ingress ? "ingress" : "egress") + " link on " + cgroup);
            }
            return new CgroupLink(nat, link);
        } finally {
            nat.libc().close(dir); // the link holds its own reference to the cgroup
        }
    }

    @Override
    public String mode() {
        return "cgroup_skb";
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            nat.libc().close(fd);
            fd = -1;
        }
    }
}
