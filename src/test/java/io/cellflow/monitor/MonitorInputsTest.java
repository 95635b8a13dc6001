package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MonitorInputsTest {

    @ParameterizedTest
    @ValueSource(strings = {"c1", "A", "cell-01.a_b", "x23456789012345678901234567890123456789012345678901234567890123"})
    void acceptsCellIds(String id) {
        assertEquals(id, MonitorInputs.cellId(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-x", ".x", "a/b", "a b", "a;rm", "x234567890123456789012345678901234567890123456789012345678901234",
        "é"})
    void rejectsCellIds(String id) {
        MonitorException e = assertThrows(MonitorException.class, () -> MonitorInputs.cellId(id));
        assertEquals(MonitorException.Reason.INVALID_INPUT, e.reason());
        assertEquals("cell_id", e.field().orElseThrow());
    }

    @Test
    void acceptsBothNetnsFormsAndDefaultsToAuto() {
        MonitorSpec a = MonitorInputs.spec("c", "/run/netns/cell-1", "eth0", null, null, null);
        assertEquals(BackendChoice.AUTO, a.backend());
        assertEquals("/proc/1234/ns/net",
                MonitorInputs.spec("c", "/proc/1234/ns/net", "veth0.1", "ebpf", "r", "c").netns().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/run/netns/../etc/passwd", "/run/netns/", "/var/run/netns/x", "/proc/self/ns/net",
        "/proc/0/ns/net", "/proc/1/ns/mnt", "run/netns/x", "/run/netns/a/b", "/run/netns/x\n"})
    void rejectsOtherNetnsPaths(String netns) {
        MonitorException e = assertThrows(MonitorException.class,
                () -> MonitorInputs.spec("c", netns, "eth0", null, null, null));
        assertEquals("netns", e.field().orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a234567890123456", "eth0;reboot", "a b", "a/b", "a:b", "\"x\"", "$(id)", "-x", ".",
        "..", "eth0\n"})
    void rejectsInterfaceNames(String iface) {
        MonitorException e = assertThrows(MonitorException.class,
                () -> MonitorInputs.spec("c", "/run/netns/x", iface, null, null, null));
        assertEquals("interface", e.field().orElseThrow());
    }

    @Test
    void rejectsUnknownBackendAndOddRunIds() {
        assertEquals("backend", assertThrows(MonitorException.class,
                () -> MonitorInputs.spec("c", "/run/netns/x", "eth0", "xdp", null, null)).field().orElseThrow());
        assertEquals("run_id", assertThrows(MonitorException.class,
                () -> MonitorInputs.spec("c", "/run/netns/x", "eth0", null, "a b", null)).field().orElseThrow());
    }

    @Test
    void ringBufferBytesDefaultsToNullAndAcceptsPowersOfTwoFrom16KiBTo64MiB() {
        MonitorSpec spec = MonitorInputs.spec("c", "/run/netns/x", "eth0", null, null, null);
        assertNull(MonitorInputs.ringBufferBytes(spec, null).ringBufferBytes());
        for (long ok : new long[] {16384, 65536, 262144, 64L << 20}) {
            MonitorSpec sized = MonitorInputs.ringBufferBytes(MonitorInputs.keys(spec, "k", "i"), ok);
            assertEquals((int) ok, sized.ringBufferBytes());
            assertEquals("k", sized.keysetId());
            assertEquals((int) ok, sized.withKeys("k2", null).ringBufferBytes(), "kept by withKeys");
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -65536, 4096, 8192, 16383, 16385, 100_000, 3 << 16, 128L << 20, 1L << 40})
    void rejectsOtherRingBufferSizes(long bytes) {
        MonitorSpec spec = MonitorInputs.spec("c", "/run/netns/x", "eth0", null, null, null);
        MonitorException e = assertThrows(MonitorException.class, () -> MonitorInputs.ringBufferBytes(spec, bytes));
        assertEquals(MonitorException.Reason.INVALID_INPUT, e.reason());
        assertEquals("ring_buffer_bytes", e.field().orElseThrow());
    }
}
