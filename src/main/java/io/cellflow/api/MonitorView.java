package io.cellflow.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cellflow.monitor.CellMonitor;
import io.cellflow.monitor.MonitorCounters;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A monitor as the API shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MonitorView(
        String cellId,
        String backend,
        String state,
        @JsonProperty("interface") String interfaceName,
        String netns,
        @Schema(description = "the cgroup v2 directory, for a cell monitored with cgroup_skb hooks") String cgroup,
        String startedAt,
        @Schema(description = "how the backend hooks the cell: tc (clsact filters), tcx (links), cgroup_skb or"
                + " nft_log")
        String attachMode,
        String runId,
        String correlationId,
        String fallbackReason,
        @Schema(description = "sha256 digest of the canonical egress policy enforced now; absent: no policy")
        String policyDigest,
        @Schema(description = "packets the policy dropped (eBPF: counted in the kernel; nflog: deny log messages"
                + " received); absent: no policy")
        Long deniedPackets,
        @Schema(description = "bytes of the cell's eBPF ring buffer (the request's ring_buffer_bytes, else"
                + " cellflow.bpf.ring-buffer-bytes); absent: nflog backend")
        Integer ringBufferBytes,
        MonitorCounters counters) {

    static MonitorView of(CellMonitor m) {
        return new MonitorView(
                m.spec().cellId(),
                m.backend().json(),
                m.state().name().toLowerCase(java.util.Locale.ROOT),
                m.spec().interfaceName(),
                m.spec().netns() == null ? null : m.spec().netns().toString(),
                m.spec().cgroup() == null ? null : m.spec().cgroup().toString(),
                m.startedAt().toString(),
                m.attachMode(),
                m.runId(),
                m.spec().correlationId(),
                m.fallbackReason(),
                m.policyDigest(),
                m.policyDigest() == null ? null : m.deniedPackets(),
                m.ringBufferBytes(),
                m.counters());
    }
}
