package io.cellflow.flow;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP address as two longs, so the poller carries addresses without allocating: the 128 bits in network order
 * ({@code hi} the first eight bytes, {@code lo} the last eight), IPv4 as its IPv4-mapped IPv6 form
 * {@code ::ffff:a.b.c.d}. That is also how {@link InetAddress#getByAddress(byte[])} treats sixteen mapped bytes
 * (as IPv4), so a value and its {@link #toInet InetAddress} compare, hash and print alike.
 */
public final class IpAddr {
    private static final long V4_MAPPED = 0xffffL << 32;

    private IpAddr() {}

    /** The {@code lo} half of an IPv4 address given as an int in network order ({@code hi} is 0). */
    public static long v4Lo(int v4) {
        return V4_MAPPED | (v4 & 0xffff_ffffL);
    }

    /** Whether the address is IPv4 (or IPv4-mapped IPv6, which is the same thing here). */
    public static boolean isV4(long hi, long lo) {
        return hi == 0 && (lo & 0xffff_ffff_0000_0000L) == V4_MAPPED;
    }

    /** The {@code hi} half of 4 or 16 address bytes in network order. */
    public static long hi(byte[] b) {
        return b.length == 4 ? 0 : be64(b, 0);
    }

    /** The {@code lo} half of 4 or 16 address bytes in network order. */
    public static long lo(byte[] b) {
        if (b.length == 4) {
            return v4Lo((Byte.toUnsignedInt(b[0]) << 24) | (Byte.toUnsignedInt(b[1]) << 16)
                    | (Byte.toUnsignedInt(b[2]) << 8) | Byte.toUnsignedInt(b[3]));
        }
        if (b.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + b.length);
        }
        return be64(b, 8);
    }

    public static long hi(InetAddress a) {
        return hi(a.getAddress());
    }

    public static long lo(InetAddress a) {
        return lo(a.getAddress());
    }

    /** The address as an {@link InetAddress} (allocates; for callers off the poller's path). */
    public static InetAddress toInet(long hi, long lo) {
        byte[] b;
        if (isV4(hi, lo)) {
            b = new byte[4];
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) (lo >>> (24 - 8 * i));
            }
        } else {
            b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes is always a valid address", e);
        }
    }

    private static long be64(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | Byte.toUnsignedInt(b[at + i]);
        }
        return v;
    }
}
