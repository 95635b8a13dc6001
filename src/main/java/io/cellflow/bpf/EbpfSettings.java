package io.cellflow.bpf;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What the eBPF backend needs to know from configuration, validated once.
 *
 * @param objectFile the BPF object file to load; empty: the one bundled in the jar
 * @param attach {@code tcx}, {@code tc}, or {@code auto} (tc clsact filters, then TCX links where those fail)
 */
public record EbpfSettings(Optional<Path> objectFile, Attach attach, int ringBufferBytes, int flowTableEntries,
        int wakeupBytes) {

    public enum Attach {
        AUTO,
        TCX,
        TC
    }

    public EbpfSettings {
        if (Integer.bitCount(ringBufferBytes) != 1 || ringBufferBytes < 4096) {
            throw new IllegalArgumentException(
                    "cellflow.bpf.ring-buffer-bytes must be a power of two >= 4096, got " + ringBufferBytes);
        }
        if (flowTableEntries < 1) {
            throw new IllegalArgumentException("cellflow.bpf.flow-table-entries must be >= 1, got " + flowTableEntries);
        }
        if (wakeupBytes < 0 || wakeupBytes >= ringBufferBytes) {
            throw new IllegalArgumentException("cellflow.bpf.wakeup-bytes must be in [0, ring-buffer-bytes), got "
                    + wakeupBytes);
        }
    }
}
