package io.cellflow.monitor;

import io.cellflow.policy.Policy;
import java.nio.file.Path;

/**
 * A validated request to monitor one cell. Build it only through {@link MonitorInputs}: every field here has
 * been checked and is safe to hand to the kernel, netlink or an nft script.
 *
 * @param policy the egress policy to enforce from the start, or {@code null} for none (observe only)
 */
public record MonitorSpec(String cellId, Path netns, String interfaceName, BackendChoice backend, String runId,
        String correlationId, Policy policy) {

    /** Without a policy. */
    public MonitorSpec(String cellId, Path netns, String interfaceName, BackendChoice backend, String runId,
            String correlationId) {
        this(cellId, netns, interfaceName, backend, runId, correlationId, null);
    }
}
