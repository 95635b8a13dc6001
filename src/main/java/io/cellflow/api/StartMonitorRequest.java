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
        @Schema(required = true, description = "/run/netns/NAME or /proc/PID/ns/net", example = "/run/netns/demo-cell")
        String netns,
        @JsonProperty("interface")
        @Schema(required = true, description = "interface inside that namespace, 1-15 chars", example = "demo0")
        String interfaceName,
        @Schema(description = "auto (default), ebpf or nflog", example = "auto") String backend,
        @Schema(description = "stamped on every event; generated when absent") String runId,
        @Schema(description = "stamped on every event") String correlationId,
        @Schema(implementation = PolicyDocument.class, description = "egress policy enforced from the first"
                + " packet; absent: none, the monitor only observes")
        JsonNode policy) {}
