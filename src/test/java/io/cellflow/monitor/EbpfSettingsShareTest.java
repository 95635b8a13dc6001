package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cellflow.bpf.EbpfSettings;
import io.cellflow.config.CellflowConfig;
import java.lang.reflect.Proxy;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A monitor's own ring keeps the configured wakeup threshold's share of the ring, both ways. */
class EbpfSettingsShareTest {

    @Test
    void theConfiguredRingKeepsTheConfiguredThreshold() {
        EbpfSettings s = EbpfBackend.settings(bpf(65536, 16384), null);
        assertEquals(65536, s.ringBufferBytes());
        assertEquals(16384, s.wakeupBytes());
        assertEquals(16384, EbpfBackend.settings(bpf(65536, 16384), 65536).wakeupBytes());
    }

    @Test
    void aBiggerRingWakesAtTheSameShare() {
        EbpfSettings s = EbpfBackend.settings(bpf(65536, 16384), 4 << 20);
        assertEquals(4 << 20, s.ringBufferBytes());
        assertEquals(1 << 20, s.wakeupBytes());
        assertEquals(65536, EbpfBackend.settings(bpf(4 << 20, 65536), 4 << 20).wakeupBytes());
    }

    @Test
    void aSmallerRingWakesAtTheSameShare() {
        assertEquals(4096, EbpfBackend.settings(bpf(65536, 16384), 16384).wakeupBytes());
        assertEquals(0, EbpfBackend.settings(bpf(65536, 0), 1 << 20).wakeupBytes(), "0: every record, any ring");
    }

    @Test
    void theLargestRingStaysBelowTheRing() {
        EbpfSettings s = EbpfBackend.settings(bpf(1 << 14, (1 << 14) - 1), 64 << 20);
        assertEquals((64 << 20) - (1 << 12), s.wakeupBytes());
    }

    private static CellflowConfig.Bpf bpf(int ring, int wakeup) {
        return (CellflowConfig.Bpf) Proxy.newProxyInstance(CellflowConfig.Bpf.class.getClassLoader(),
                new Class<?>[] {CellflowConfig.Bpf.class}, (p, m, args) -> switch (m.getName()) {
                    case "objectPath" -> Optional.empty();
                    case "attachMode" -> CellflowConfig.AttachMode.AUTO;
                    case "ringBufferBytes" -> ring;
                    case "wakeupBytes" -> wakeup;
                    case "flowTableEntries" -> 16384;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
