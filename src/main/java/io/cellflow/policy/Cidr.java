package io.cellflow.policy;

import io.cellflow.flow.IpText;
import java.util.Arrays;

/**
 * A destination network: address family, the address bytes with every host bit cleared, and the prefix length.
 * Parsed by hand, never through {@link java.net.InetAddress} (which resolves names and turns IPv4-mapped IPv6
 * addresses into IPv4): the text decides the family, and nothing but literal addresses is accepted.
 *
 * <p>Accepted: {@code a.b.c.d[/n]} with decimal parts 0..255 without leading zeros, and IPv6 in RFC 4291 text
 * form (one {@code ::}, groups of 1-4 hex digits, an optional dotted IPv4 tail), {@code [/n]}; no zone id. A
 * missing prefix means a single host (/32, /128). Host bits are cleared, not rejected: {@code 198.19.5.5/15} is
 * {@code 198.18.0.0/15}. Immutable.
 */
public final class Cidr {
    private final int family;
    private final byte[] address;
    private final int prefixLength;

    private Cidr(int family, byte[] address, int prefixLength) {
        this.family = family;
        this.address = address;
        this.prefixLength = prefixLength;
    }

    /**
     * @return the network, host bits cleared
     * @throws IllegalArgumentException with a message fit for the caller when the text is not a CIDR
     */
    public static Cidr parse(String text) {
        if (text.isEmpty() || text.length() > 64) {
            throw new IllegalArgumentException("must be an IPv4 or IPv6 address with an optional /prefix");
        }
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = addr.indexOf(':') >= 0 ? v6(addr) : v4(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("\"" + addr + "\" is not an IPv4 or IPv6 address");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            prefix = decimal(text.substring(slash + 1), 3);
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("prefix length must be 0.." + max + " for an IPv"
                        + (bytes.length == 4 ? 4 : 6) + " address");
            }
        }
        for (int bit = prefix; bit < max; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new Cidr(bytes.length == 4 ? 4 : 6, bytes, prefix);
    }

    /** 4 or 6. */
    public int family() {
        return family;
    }

    /** The network address, 4 or 16 bytes in network order; a copy. */
    public byte[] address() {
        return address.clone();
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** Canonical text: dotted IPv4 or RFC 5952 IPv6, then {@code /prefix}, e.g. {@code 198.18.0.0/15}. */
    public String text() {
        return IpText.ofBytes(address) + "/" + prefixLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.address, address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(address) + prefixLength;
    }

    @Override
    public String toString() {
        return text();
    }

    /** A decimal number of 1..maxDigits digits without a sign or a leading zero; -1 if it is not one. */
    private static int decimal(String s, int maxDigits) {
        if (s.isEmpty() || s.length() > maxDigits || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static byte[] v4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            int v = decimal(parts[i], 3);
            if (v < 0 || v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    private static byte[] v6(String s) {
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return null; // "::" at most once
        }
        String head = dc >= 0 ? s.substring(0, dc) : s;
        String tail = dc >= 0 ? s.substring(dc + 2) : "";
        int[] h = groups(head, dc < 0);
        int[] t = dc >= 0 ? groups(tail, true) : new int[0];
        if (h == null || t == null) {
            return null;
        }
        int words = h.length + t.length;
        if (dc < 0 ? words != 8 : words > 7) {
            return null;
        }
        byte[] b = new byte[16];
        for (int i = 0; i < h.length; i++) {
            b[2 * i] = (byte) (h[i] >> 8);
            b[2 * i + 1] = (byte) h[i];
        }
        for (int i = 0; i < t.length; i++) {
            int w = 8 - t.length + i;
            b[2 * w] = (byte) (t[i] >> 8);
            b[2 * w + 1] = (byte) t[i];
        }
        return b;
    }

    /** 16-bit words of a colon-separated part; a dotted IPv4 is allowed as the last item when {@code last}. */
    private static int[] groups(String s, boolean last) {
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] items = s.split(":", -1);
        int[] out = new int[items.length + 1];
        int n = 0;
        for (int i = 0; i < items.length; i++) {
            String g = items[i];
            if (last && i == items.length - 1 && g.indexOf('.') >= 0) {
                byte[] v4 = v4(g);
                if (v4 == null) {
                    return null;
                }
                out[n++] = (Byte.toUnsignedInt(v4[0]) << 8) | Byte.toUnsignedInt(v4[1]);
                out[n++] = (Byte.toUnsignedInt(v4[2]) << 8) | Byte.toUnsignedInt(v4[3]);
                continue;
            }
            if (g.isEmpty() || g.length() > 4) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < g.length(); k++) {
                int d = Character.digit(g.charAt(k), 16);
                if (d < 0) {
                    return null;
                }
                v = (v << 4) | d;
            }
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }
}
