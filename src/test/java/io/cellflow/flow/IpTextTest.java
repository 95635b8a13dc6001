package io.cellflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpTextTest {
    @ParameterizedTest
    @CsvSource({
        "198.18.0.1, 198.18.0.1",
        "2001:2:0:0:0:0:0:1, 2001:2::1",
        "0:0:0:0:0:0:0:1, ::1",
        "0:0:0:0:0:0:0:0, ::",
        "fe80:0:0:0:1:0:0:1, fe80::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "1:0:0:0:0:0:0:0, 1::",
    })
    void formatsAsRfc5952(String in, String expected) throws Exception {
        assertEquals(expected, IpText.of(InetAddress.getByName(in)));
    }
}
