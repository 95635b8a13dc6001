package io.cellflow.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "198.18.0.0/15, 198.18.0.0/15",
        "198.19.255.255/15, 198.18.0.0/15",
        "10.1.2.3, 10.1.2.3/32",
        "0.0.0.0/0, 0.0.0.0/0",
        "255.255.255.255/0, 0.0.0.0/0",
        "2001:DB8::1/32, 2001:db8::/32",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1/128",
        "::, ::/128",
        "::/0, ::/0",
        "::1, ::1/128",
        "fe80::/10, fe80::/10",
        "::ffff:198.18.0.1/128, ::ffff:c612:1/128",
        "1:2:3:4:5:6:7:8/127, 1:2:3:4:5:6:7:8/127",
        "1:2:3:4:5:6:7:9/127, 1:2:3:4:5:6:7:8/127",
        "2001:2:0:a::2/128, 2001:2:0:a::2/128",
    })
    void normalises(String in, String canonical) {
        Cidr c = Cidr.parse(in);
        assertEquals(canonical, c.text());
        assertEquals(c, Cidr.parse(canonical), "the canonical text parses back to the same network");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/24", "1.2.3.4/", "1.2.3/24", "1.2.3.4.5/24", "256.0.0.0/8", "01.2.3.4",
        "1.2.3.4/033", "1.2.3.4/+8", "1.2.3.4/33", "::/129", ":::/64", "1::2::3", "12345::/16", "g::/16",
        "1:2:3:4:5:6:7/64", "1:2:3:4:5:6:7:8:9", "::1.2.3/96", "1.2.3.4::/64", "fe80::1%1", "1.2.3.4 /8",
        "localhost", "1.2.3.4/8/8"})
    void rejects(String in) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(in));
    }

    @org.junit.jupiter.api.Test
    void addressBytesAreNetworkOrderWithHostBitsCleared() {
        Cidr c = Cidr.parse("198.18.7.9/20");
        assertEquals(4, c.family());
        assertArrayEquals(new byte[] {(byte) 198, 18, 0, 0}, c.address());
        Cidr v6 = Cidr.parse("2001:2:0:ff::1/56");
        assertEquals(6, v6.family());
        assertArrayEquals(new byte[] {0x20, 0x01, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, v6.address());
    }
}
