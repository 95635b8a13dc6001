package io.cellflow.monitor;

import java.nio.file.Path;

/**
 * A validated request to monitor one cell. Build it only through {@link MonitorInputs}: every field here has
 * been checked and is safe to hand to the kernel, netlink or an nft script.
 */
public record MonitorSpec(String cellId, Path netns, String interfaceName, BackendChoice backend, String runId,
        String correlationId) {}
