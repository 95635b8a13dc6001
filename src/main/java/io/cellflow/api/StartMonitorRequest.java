package io.cellflow.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Body of {@code POST /cells/{cell_id}/monitor}. */
@Schema(name = "StartMonitorRequest")
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StartMonitorRequest(
        @Schema(description = "/run/netns/NAME or /proc/PID/ns/net (with interface; or give cgroup instead)",
                example = "/run/netns/demo-cell")
        String netns,
        @JsonProperty("interface")
        @Schema(description = "interface inside that namespace, 1-15 chars", example = "demo0")
        String interfaceName,
        @Schema(description = "auto (default), ebpf or nflog", example = "auto") String backend,
        @Schema(description = "stamped on every event; generated when absent") String runId,
        @Schema(description = "stamped on every event") String correlationId,
        @Schema(description = "stamped on every event") String keysetId,
        @Schema(description = "stamped on every event") String issuerKid,
        @Schema(implementation = PolicyDocument.class, description = "egress policy enforced from the first"
                + " packet; absent: none, the monitor only observes")
        JsonNode policy,
        @Schema(description = "instead of netns + interface: a cgroup v2 directory whose processes' traffic is"
                + " monitored with cgroup_skb hooks (eBPF only)", example = "/sys/fs/cgroup/unified/cell-1")
        String cgroup,
        @Schema(description = "eBPF ring buffer of this cell in bytes: a power of two from 16384 (16 KiB) to"
                + " 67108864 (64 MiB); absent: cellflow.bpf.ring-buffer-bytes. Resident memory per cell is about"
                + " this size; a busy cell wants more, a quiet one less", example = "65536")
        Long ringBufferBytes) {}
