package io.cellflow.nflog;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.Errno;
import io.cellflow.bpf.LibC;
import io.cellflow.bpf.Native;
import io.cellflow.bpf.NetnsExecutor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;

/**
 * A NETLINK_NETFILTER socket bound to one NFLOG group of one network namespace, in copy-packet mode.
 *
 * <p>NFLOG groups belong to the namespace of the socket that binds them, so the socket is created inside the
 * cell's namespace (on the {@link NetnsExecutor} thread) and then used from any thread: a socket stays in the
 * namespace it was created in. Binding, configuring and reading all happen outside the namespace thread.
 *
 * <p>Thread safety: {@link #receive} and {@link #close} are serialised, so the descriptor is never closed (and
 * its number reused) under a reader's poll or recv; {@code close} therefore waits for at most one poll timeout.
 * Downcalls only (socket, bind, send, recv, poll, setsockopt): no native callbacks.
 */
public final class NflogSocket implements AutoCloseable {
    /**
     * Bytes of each packet copied to us: enough for an IPv4 header with options (60) plus TCP with options (60),
     * or IPv6 (40) with a few extension headers plus TCP. Only new connections are logged, so the copy is cheap.
     */
    public static final int COPY_RANGE = 256;
    /**
     * The kernel's flush timeout, in 1/100 s. Its default (1 s) would delay a lone event by up to a second; 100 ms
     * keeps events prompt while a burst still leaves in batches (the batch also flushes when full).
     */
    static final int FLUSH_TIMEOUT_CENTIS = 10;
    /** Large enough for any batch the kernel sends (its buffer is one page-sized skb unless told otherwise). */
    static final int RECV_BUFFER = 64 * 1024;
    /** Socket receive buffer: absorbs a burst of new connections while the reader is busy. */
    static final int SO_RCVBUF_BYTES = 1 << 20;
    private static final int ACK_TIMEOUT_MILLIS = 2000;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EBADF = 9;
    private static final int ENOBUFS = 105;

    private final Native nat;
    private final int group;
    private final Pointer recvBuf;
    private final byte[] heap = new byte[RECV_BUFFER];
    private final Pointer pollFd;
    private final Pointer sendBuf;
    private final AtomicLong overruns = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    private int fd;
    private int seq;

    private NflogSocket(Native nat, int fd, int group) {
        this.nat = nat;
        this.fd = fd;
        this.group = group;
        this.recvBuf = nat.allocate(RECV_BUFFER);
        this.pollFd = nat.allocate(LibC.POLLFD_SIZE);
        this.sendBuf = nat.allocate(64);
    }

    /**
     * Creates the socket inside {@code netnsPath}, binds it and configures {@code group} (bind, copy-packet mode,
     * flush timeout), checking the kernel's acknowledgement of each step. On failure the socket is closed.
     *
     * @throws NflogException NETNS_NOT_FOUND if the namespace cannot be entered, NETLINK_FAILED with the errno
     *     otherwise (EPERM: another socket in that namespace holds the group, or no CAP_NET_ADMIN)
     */
    public static NflogSocket open(Native nat, NetnsExecutor netns, Path netnsPath, int group)
            throws NflogException {
        if (group < 0 || group > 0xffff) {
            throw new IllegalArgumentException("NFLOG group " + group + " is not in 0..65535");
        }
        int[] created;
        try {
            // step: only the socket needs the namespace; errno must be read on the thread that failed
            created = netns.call(netnsPath, () -> {
                int s = nat.libc().socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC,
                        NflogAbi.NETLINK_NETFILTER);
                return new int[] {s, s < 0 ? nat.errno() : 0};
            });
        } catch (BpfException e) {
            throw NflogException.fromNetns(e);
        }
        if (created[0] < 0) {
            throw NflogException.netlink("socket(AF_NETLINK, NETLINK_NETFILTER) in " + netnsPath,
                    Errno.of(created[1]));
        }
        NflogSocket s = new NflogSocket(nat, created[0], group);
        try {
            s.bindAndConfigure();
            return s;
        } catch (NflogException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void bindAndConfigure() throws NflogException {
        LibC libc = nat.libc();
        Pointer sa = nat.allocate(NflogAbi.SOCKADDR_NL_SIZE); // pid 0: the kernel picks our port id
        sa.putShort(0, (short) LibC.AF_NETLINK);
        int rc = libc.bind(fd, sa, NflogAbi.SOCKADDR_NL_SIZE);
        java.lang.ref.Reference.reachabilityFence(sa); // freed by a cleaner once unreachable
        if (rc != 0) {
            throw NflogException.netlink("bind netlink socket", Errno.of(nat.errno()));
        }
        Pointer size = nat.allocate(4);
        size.putInt(0, SO_RCVBUF_BYTES);
        libc.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, size, 4); // best effort: the default also works
        java.lang.ref.Reference.reachabilityFence(size);

        // step: take the group, then ask for packet copies, then a short flush timeout
        request(NflogAbi.NFULA_CFG_CMD, new byte[] {NflogAbi.NFULNL_CFG_CMD_BIND}, true, "bind NFLOG group " + group);
        byte[] mode = new byte[NflogAbi.CFG_MODE_SIZE];
        be32(mode, 0, COPY_RANGE);
        mode[4] = NflogAbi.NFULNL_COPY_PACKET;
        request(NflogAbi.NFULA_CFG_MODE, mode, true, "set copy-packet mode on NFLOG group " + group);
        byte[] timeout = new byte[4];
        be32(timeout, 0, FLUSH_TIMEOUT_CENTIS);
        request(NflogAbi.NFULA_CFG_TIMEOUT, timeout, true, "set flush timeout on NFLOG group " + group);
    }

    /** Sends one NFULNL_MSG_CONFIG with one attribute; with {@code ack}, waits for the kernel's answer. */
    private void request(int attrType, byte[] value, boolean ack, String what) throws NflogException {
        int attrLen = NflogAbi.NLA_HDRLEN + value.length;
        int len = NflogAbi.NLMSG_HDRLEN + NflogAbi.NFGENMSG_SIZE + NflogAbi.align4(attrLen);
        int mySeq = ++seq;
        Pointer b = sendBuf;
        b.setMemory(0, len, (byte) 0);
        b.putInt(NflogAbi.NLMSG_LEN, len);
        b.putShort(NflogAbi.NLMSG_TYPE, (short) NflogAbi.MSG_CONFIG);
        b.putShort(NflogAbi.NLMSG_FLAGS, (short) (NflogAbi.NLM_F_REQUEST | (ack ? NflogAbi.NLM_F_ACK : 0)));
        b.putInt(NflogAbi.NLMSG_SEQ, mySeq);
        int g = NflogAbi.NLMSG_HDRLEN;
        b.putByte(g, (byte) NflogAbi.AF_UNSPEC);
        b.putByte(g + 1, (byte) NflogAbi.NFNETLINK_V0);
        b.putByte(g + 2, (byte) (group >> 8)); // res_id is big-endian
        b.putByte(g + 3, (byte) group);
        int a = g + NflogAbi.NFGENMSG_SIZE;
        b.putShort(a, (short) attrLen);
        b.putShort(a + 2, (short) attrType);
        b.put(a + NflogAbi.NLA_HDRLEN, value, 0, value.length);
        if (nat.libc().send(fd, b, len, 0) != len) {
            throw NflogException.netlink(what + " (send)", Errno.of(nat.errno()));
        }
        if (ack) {
            awaitAck(mySeq, what);
        }
    }

    private void awaitAck(int mySeq, String what) throws NflogException {
        long deadline = System.nanoTime() + ACK_TIMEOUT_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            ByteBuffer d = receive(100);
            int pos = 0;
            while (d.limit() - pos >= NflogAbi.NLMSG_HDRLEN + 4) {
                int len = d.getInt(pos + NflogAbi.NLMSG_LEN);
                if (len < NflogAbi.NLMSG_HDRLEN) {
                    break;
                }
                if (Short.toUnsignedInt(d.getShort(pos + NflogAbi.NLMSG_TYPE)) == NflogAbi.NLMSG_ERROR
                        && d.getInt(pos + NflogAbi.NLMSG_SEQ) == mySeq) {
                    int err = d.getInt(pos + NflogAbi.NLMSGERR_ERROR);
                    if (err != 0) {
                        throw NflogException.netlink(what, Errno.of(err));
                    }
                    return;
                }
                pos += NflogAbi.align4(len);
            }
        }
        throw NflogException.netlink(what + " (no acknowledgement within " + ACK_TIMEOUT_MILLIS + " ms)",
                Errno.of(EAGAIN));
    }

    /**
     * Waits up to {@code timeoutMillis} for one datagram and returns it.
     *
     * @return the datagram (position 0, limit its length) in a buffer this socket reuses: valid until the next
     *     call; empty when nothing arrived in time. A datagram larger than {@link #RECV_BUFFER} is cut (counted in
     *     {@link #truncated()}); a kernel-side overrun (ENOBUFS: log messages were dropped) is counted in
     *     {@link #overruns()} and returns empty.
     * @throws NflogException NETLINK_FAILED if the socket is closed or poll/recv fail otherwise
     */
    public synchronized ByteBuffer receive(int timeoutMillis) throws NflogException {
        if (fd < 0) {
            throw NflogException.netlink("receive on a closed NFLOG socket", Errno.of(EBADF));
        }
        LibC libc = nat.libc();
        pollFd.putInt(0, fd);
        pollFd.putShort(4, LibC.POLLIN);
        pollFd.putShort(6, (short) 0);
        int ready = libc.poll(pollFd, 1, timeoutMillis);
        if (ready < 0) {
            int err = nat.errno();
            if (err == EINTR) {
                return empty();
            }
            throw NflogException.netlink("poll NFLOG socket", Errno.of(err));
        }
        if (ready == 0) {
            return empty();
        }
        long n = libc.recv(fd, recvBuf, RECV_BUFFER, LibC.MSG_DONTWAIT | LibC.MSG_TRUNC);
        if (n < 0) {
            int err = nat.errno();
            if (err == ENOBUFS) {
                overruns.incrementAndGet();
                return empty();
            }
            if (err == EINTR || err == EAGAIN) {
                return empty();
            }
            throw NflogException.netlink("recv from NFLOG socket", Errno.of(err));
        }
        if (n > RECV_BUFFER) {
            truncated.incrementAndGet(); // MSG_TRUNC reports the full length; we hold the first RECV_BUFFER bytes
            n = RECV_BUFFER;
        }
        recvBuf.get(0, heap, 0, (int) n);
        return ByteBuffer.wrap(heap, 0, (int) n).slice().order(ByteOrder.nativeOrder());
    }

    private ByteBuffer empty() {
        return ByteBuffer.wrap(heap, 0, 0).slice();
    }

    public int group() {
        return group;
    }

    /** Times the socket buffer overflowed and the kernel dropped log messages (recv reported ENOBUFS). */
    public long overruns() {
        return overruns.get();
    }

    /** Datagrams larger than our buffer, delivered cut. */
    public long truncated() {
        return truncated.get();
    }

    /**
     * Unbinds the group (best effort: the kernel also drops the binding when the socket closes) and closes the
     * socket. Idempotent; waits for a running {@link #receive} to return.
     */
    @Override
    public synchronized void close() {
        if (fd < 0) {
            return;
        }
        try {
            request(NflogAbi.NFULA_CFG_CMD, new byte[] {NflogAbi.NFULNL_CFG_CMD_UNBIND}, false,
                    "unbind NFLOG group " + group);
        } catch (NflogException e) {
            // closing the socket releases the group anyway
        }
        nat.libc().close(fd);
        fd = -1;
    }

    private static void be32(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
