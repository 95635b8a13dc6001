package io.cellflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Two longs per address print, compare and convert exactly as the InetAddress they stand for. */
class IpAddrTest {
    @ParameterizedTest
    @ValueSource(strings = {"198.18.0.1", "0.0.0.0", "255.255.255.255", "10.0.100.9", "2001:2::1", "::", "::1",
        "::ffff:198.18.0.1", "::198.18.0.1", "fe80::1:0:0:1", "2001:db8:0:1:1:1:1:1", "1::", "ffff::"})
    void sameAsInetAddress(String text) throws Exception {
        check(InetAddress.getByName(text).getAddress());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void randomAddressesAndMappedOnes(int seed) throws Exception {
        Random r = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[i % 3 == 0 ? 4 : 16];
            r.nextBytes(b);
            if (b.length == 16 && i % 3 == 1) { // sparse words: zero runs, and some IPv4-mapped
                for (int w = 0; w < 8; w++) {
                    if (r.nextInt(3) > 0) {
                        b[2 * w] = 0;
                        b[2 * w + 1] = 0;
                    }
                }
                if (r.nextBoolean()) {
                    java.util.Arrays.fill(b, 0, 10, (byte) 0);
                    b[10] = (byte) 0xff;
                    b[11] = (byte) 0xff;
                }
            }
            check(b);
        }
    }

    private static void check(byte[] b) throws Exception {
        InetAddress a = InetAddress.getByAddress(b);
        long hi = IpAddr.hi(b);
        long lo = IpAddr.lo(b);
        assertEquals(IpText.of(a), IpText.of(hi, lo), a.toString());
        assertEquals(a, IpAddr.toInet(hi, lo));
        assertEquals(hi, IpAddr.hi(a));
        assertEquals(lo, IpAddr.lo(a));
    }
}
