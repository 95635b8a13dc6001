package io.cellflow.flow;

import java.net.Inet6Address;
import java.net.InetAddress;

/** Text form of addresses as operators read them: dotted IPv4, RFC 5952 compressed IPv6. */
public final class IpText {
    private IpText() {}

    public static String of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        return v6(address.getAddress());
    }

    /**
     * The text of an address held as two longs ({@link IpAddr}): dotted for IPv4 (and so for IPv4-mapped IPv6, as
     * {@link #of(InetAddress)} writes an address from {@link InetAddress#getByAddress(byte[])}), else RFC 5952.
     */
    public static String of(long hi, long lo) {
        if (IpAddr.isV4(hi, lo)) {
            return v4((int) lo);
        }
        int[] words = new int[8];
        for (int i = 0; i < 4; i++) {
            words[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            words[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        return v6(words);
    }

    /**
     * The text of 4 (dotted) or 16 (RFC 5952) address bytes in network order. Sixteen bytes are always written as
     * IPv6, IPv4-mapped ones included (InetAddress would turn those into IPv4).
     */
    public static String ofBytes(byte[] b) {
        if (b.length == 4) {
            return Byte.toUnsignedInt(b[0]) + "." + Byte.toUnsignedInt(b[1]) + "." + Byte.toUnsignedInt(b[2]) + "."
                    + Byte.toUnsignedInt(b[3]);
        }
        if (b.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + b.length);
        }
        return v6(b);
    }

    /** The longest text {@link #writeTo} writes (a full IPv6 address). */
    public static final int MAX_LENGTH = 39;

    /**
     * Writes the text of {@link #of(long, long)} into {@code out} from {@code pos} as ASCII bytes (room for
     * {@link #MAX_LENGTH}); returns the end. IPv4 allocates nothing.
     */
    public static int writeTo(long hi, long lo, byte[] out, int pos) {
        if (IpAddr.isV4(hi, lo)) {
            return v4Into((int) lo, out, pos);
        }
        String text = of(hi, lo);
        for (int i = 0; i < text.length(); i++) {
            out[pos++] = (byte) text.charAt(i);
        }
        return pos;
    }

    private static String v4(int a) {
        byte[] out = new byte[15];
        int n = v4Into(a, out, 0);
        return new String(out, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static int v4Into(int a, byte[] out, int n) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            int octet = (a >>> shift) & 0xff;
            if (octet >= 100) {
                out[n++] = (byte) ('0' + octet / 100);
            }
            if (octet >= 10) {
                out[n++] = (byte) ('0' + octet / 10 % 10);
            }
            out[n++] = (byte) ('0' + octet % 10);
            if (shift > 0) {
                out[n++] = '.';
            }
        }
        return n;
    }

    private static String v6(byte[] b) {
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (Byte.toUnsignedInt(b[2 * i]) << 8) | Byte.toUnsignedInt(b[2 * i + 1]);
        }
        return v6(words);
    }

    private static String v6(int[] words) {
        // the longest run of two or more zero words becomes "::" (the first one on a tie)
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }
}
