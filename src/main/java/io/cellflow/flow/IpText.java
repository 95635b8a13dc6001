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

    private static String v6(byte[] b) {
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (Byte.toUnsignedInt(b[2 * i]) << 8) | Byte.toUnsignedInt(b[2 * i + 1]);
        }
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
