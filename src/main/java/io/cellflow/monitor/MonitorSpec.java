package io.cellflow.monitor;

import io.cellflow.policy.Policy;
import java.nio.file.Path;

/**
 * A validated request to monitor one cell. Build it only through {@link MonitorInputs}: every field here has
 * been checked and is safe to hand to the kernel, netlink or an nft script.
 *
 * <p>A cell is either an interface in a network namespace ({@code netns} + {@code interfaceName}) or a cgroup v2
 * directory ({@code cgroup}); the other fields of the pair are {@code null}.
 *
 * @param policy the egress policy to enforce from the start, or {@code null} for none (observe only)
 * @param keysetId stamped on every event when present
 * @param issuerKid stamped on every event when present
 * @param ringBufferBytes the eBPF ring-buffer size for this cell, or {@code null} for the configured default
 */
public record MonitorSpec(String cellId, Path netns, String interfaceName, BackendChoice backend, String runId,
        String correlationId, Policy policy, Path cgroup, String keysetId, String issuerKid,
        Integer ringBufferBytes) {

    public MonitorSpec(String cellId, Path netns, String interfaceName, BackendChoice backend, String runId,
            String correlationId, Policy policy, Path cgroup) {
        this(cellId, netns, interfaceName, backend, runId, correlationId, policy, cgroup, null, null, null);
    }

    public MonitorSpec(String cellId, Path netns, String interfaceName, BackendChoice backend, String runId,
            String correlationId, Policy policy) {
        this(cellId, netns, interfaceName, backend, runId, correlationId, policy, null);
    }

    /** The same request with the key stamps. */
    public MonitorSpec withKeys(String keyset, String issuer) {
        return new MonitorSpec(cellId, netns, interfaceName, backend, runId, correlationId, policy, cgroup, keyset,
                issuer, ringBufferBytes);
    }

    /** The same request with its own ring-buffer size ({@code null}: the configured default). */
    public MonitorSpec withRingBufferBytes(Integer bytes) {
        return new MonitorSpec(cellId, netns, interfaceName, backend, runId, correlationId, policy, cgroup, keysetId,
                issuerKid, bytes);
    }

    /** Without a policy. */
    public MonitorSpec(String cellId, Path netns, String interfaceName, BackendChoice backend, String runId,
            String correlationId) {
        this(cellId, netns, interfaceName, backend, runId, correlationId, null, null);
    }

    /** Whether the cell is a cgroup (cgroup_skb hooks) rather than an interface (tc hooks). */
    public boolean isCgroup() {
        return cgroup != null;
    }
}
