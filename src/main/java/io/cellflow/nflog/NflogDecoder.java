package io.cellflow.nflog;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Turns datagrams read from an NFLOG socket into {@link FlowEvent}s. Pure Java: it reads bytes, never native
 * memory, so golden captures test it without privileges.
 *
 * <p>A datagram holds one or more netlink messages: the kernel batches packets until its flush timeout or buffer
 * is reached and may end a batch with {@code NLMSG_DONE}. Each {@code NFULNL_MSG_PACKET} is one logged packet,
 * i.e. (with our {@code ct state new} rules) one new connection, or (prefix {@code cf:deny:N:}) one packet the
 * cell's policy dropped, an egress {@link Decision#DENY} event with rule ref N. Input is untrusted: a malformed or truncated
 * message, attribute or payload is counted in {@link #malformed()} and skipped, a packet logged under a prefix
 * that is not ours in {@link #foreignPrefix()}; decode never throws for any input and always advances, so a zero
 * length cannot make it loop.
 *
 * <p>Not thread-safe for decoding (one decoder per reader thread); the counters may be read from any thread.
 */
public final class NflogDecoder {
    private static final ByteOrder HOST = ByteOrder.nativeOrder();

    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong foreignPrefix = new AtomicLong();

    /**
     * Decodes the bytes between {@code datagram}'s position and limit (neither is changed) and hands every event
     * to {@code out}, in the order of the messages.
     *
     * @param monotonicNanos {@link System#nanoTime()} at receipt: NFLOG's own timestamp is wall-clock and only
     *     present on ingress, so every event gets the receive time (CLOCK_MONOTONIC, as the BPF side's stamps)
     * @return the number of events handed out
     */
    public int decode(ByteBuffer datagram, long monotonicNanos, Consumer<FlowEvent> out) {
        ByteBuffer buf = datagram.duplicate().order(HOST);
        int pos = buf.position();
        int end = buf.limit();
        int events = 0;
        while (end - pos >= NflogAbi.NLMSG_HDRLEN) {
            int len = buf.getInt(pos + NflogAbi.NLMSG_LEN);
            if (len < NflogAbi.NLMSG_HDRLEN || len > end - pos) {
                malformed.incrementAndGet(); // the rest cannot be framed
                return events;
            }
            int type = Short.toUnsignedInt(buf.getShort(pos + NflogAbi.NLMSG_TYPE));
            if (type == NflogAbi.MSG_PACKET) {
                FlowEvent e = packet(buf, pos + NflogAbi.NLMSG_HDRLEN, pos + len, monotonicNanos);
                if (e != null) {
                    out.accept(e);
                    events++;
                }
            }
            // NLMSG_DONE ends a batch; NLMSG_ERROR/NOOP and other types carry no packet
            pos += NflogAbi.align4(len); // len >= 16: always moves forward
        }
        if (pos < end) {
            malformed.incrementAndGet(); // trailing bytes shorter than a header
        }
        return events;
    }

    /** {@link #decode(ByteBuffer, long, Consumer)} into a list. */
    public List<FlowEvent> decode(ByteBuffer datagram, long monotonicNanos) {
        List<FlowEvent> events = new ArrayList<>();
        decode(datagram, monotonicNanos, events::add);
        return events;
    }

    /** Messages, attributes or payloads that were cut short or inconsistent, and skipped. */
    public long malformed() {
        return malformed.get();
    }

    /** Logged packets with no prefix or a prefix that is not ours (another rule logging to the group), skipped. */
    public long foreignPrefix() {
        return foreignPrefix.get();
    }

    /** One NFULNL_MSG_PACKET body, {@code [from, to)} after the netlink header; null if skipped (and counted). */
    private FlowEvent packet(ByteBuffer buf, int from, int to, long monotonicNanos) {
        try {
            return attributes(buf, from, to, monotonicNanos);
        } catch (IndexOutOfBoundsException e) {
            // every read is checked; this is the net under the checks, so no input can escape as an exception
            malformed.incrementAndGet();
            return null;
        }
    }

    private FlowEvent attributes(ByteBuffer buf, int from, int to, long monotonicNanos) {
        if (to - from < NflogAbi.NFGENMSG_SIZE) {
            malformed.incrementAndGet();
            return null;
        }
        String prefix = null;
        int payloadFrom = -1;
        int payloadTo = -1;
        int indev = 0;
        int outdev = 0;
        int p = from + NflogAbi.NFGENMSG_SIZE;
        while (to - p >= NflogAbi.NLA_HDRLEN) {
            int alen = Short.toUnsignedInt(buf.getShort(p));
            int atype = Short.toUnsignedInt(buf.getShort(p + 2)) & NflogAbi.NLA_TYPE_MASK;
            if (alen < NflogAbi.NLA_HDRLEN || alen > to - p) {
                malformed.incrementAndGet(); // a zero length would never advance: stop here
                return null;
            }
            int v = p + NflogAbi.NLA_HDRLEN;
            int vlen = alen - NflogAbi.NLA_HDRLEN;
            switch (atype) {
                case NflogAbi.NFULA_PACKET_HDR, NflogAbi.NFULA_IFINDEX_INDEV, NflogAbi.NFULA_IFINDEX_OUTDEV -> {
                    if (vlen < 4) {
                        malformed.incrementAndGet();
                        return null;
                    }
                    if (atype == NflogAbi.NFULA_IFINDEX_INDEV) {
                        indev = be32(buf, v);
                    } else if (atype == NflogAbi.NFULA_IFINDEX_OUTDEV) {
                        outdev = be32(buf, v);
                    }
                }
                case NflogAbi.NFULA_PAYLOAD -> {
                    payloadFrom = v;
                    payloadTo = v + vlen;
                }
                case NflogAbi.NFULA_PREFIX -> prefix = cString(buf, v, vlen);
                default -> {
                    // timestamps, hardware address and header, uid/gid, conntrack: not part of a flow key
                }
            }
            p += NflogAbi.align4(alen);
        }
        if (p < to) {
            malformed.incrementAndGet(); // bytes after the last attribute, too short for a header
            return null;
        }
        int denyRef = denyRef(prefix);
        Direction dir = denyRef >= 0 ? Direction.EGRESS : direction(prefix);
        if (dir == null) {
            foreignPrefix.incrementAndGet();
            return null;
        }
        PacketHeaders.Key k = payloadFrom < 0 ? null : PacketHeaders.parse(buf, payloadFrom, payloadTo);
        if (k == null) {
            malformed.incrementAndGet(); // no payload, not IP, or a header cut short
            return null;
        }
        int ifindex = dir == Direction.EGRESS ? (outdev != 0 ? outdev : indev) : (indev != 0 ? indev : outdev);
        return new FlowEvent(FlowKind.OPENED, dir, denyRef >= 0 ? Decision.DENY : Decision.ALLOW, k.src(),
                k.srcPort(), k.dst(), k.dstPort(), k.protocol(), k.tcpFlags(), -1, -1, monotonicNanos, ifindex,
                Math.max(denyRef, 0));
    }

    /** The rule ref of a {@code cf:deny:<n>:} prefix (0..65535, no sign or leading zero), or -1 for any other. */
    static int denyRef(String prefix) {
        if (prefix == null || prefix.length() <= NflogAbi.PREFIX_DENY.length() || !prefix.startsWith(NflogAbi.PREFIX_DENY)
                || !prefix.endsWith(":")) {
            return -1;
        }
        String n = prefix.substring(NflogAbi.PREFIX_DENY.length(), prefix.length() - 1);
        if (n.isEmpty() || n.length() > 5 || (n.length() > 1 && n.charAt(0) == '0')) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 0xffff ? v : -1;
    }

    private static Direction direction(String prefix) {
        if (NflogAbi.PREFIX_EGRESS.equals(prefix)) {
            return Direction.EGRESS;
        }
        if (NflogAbi.PREFIX_INGRESS.equals(prefix)) {
            return Direction.INGRESS;
        }
        return null;
    }

    /** nfnetlink_log attribute values are big-endian, unlike the headers around them. */
    private static int be32(ByteBuffer buf, int at) {
        return (Byte.toUnsignedInt(buf.get(at)) << 24) | (Byte.toUnsignedInt(buf.get(at + 1)) << 16)
                | (Byte.toUnsignedInt(buf.get(at + 2)) << 8) | Byte.toUnsignedInt(buf.get(at + 3));
    }

    /** The string up to its NUL (the kernel writes one), or to the attribute's end if there is none. */
    private static String cString(ByteBuffer buf, int at, int len) {
        int n = 0;
        while (n < len && buf.get(at + n) != 0) {
            n++;
        }
        byte[] raw = new byte[n];
        buf.get(at, raw);
        return new String(raw, StandardCharsets.US_ASCII);
    }
}
