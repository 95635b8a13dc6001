package io.cellflow.bpf;

import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BpfFeatureProbeTest {
    @Test
    void aMinimalProgramLoadsAsRoot() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to load BPF programs");
        Native nat;
        try {
            nat = Native.get();
        } catch (Native.NativeUnavailable e) {
            Assumptions.abort("libc not bound: " + e.getMessage());
            return;
        }
        Assumptions.assumeTrue(nat.libbpfMissing() == null, "libbpf not installed");
        assertNull(new BpfFeatureProbe(nat).programLoadBlocked());
    }
}
