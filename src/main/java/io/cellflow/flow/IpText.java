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
        byte[] b = address.getAddress();
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
