package io.cellflow.monitor;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A monitor's counters at one moment.
 *
 * @param events flow events published to the stream
 * @param ringBufferLosses records the kernel could not reserve (the ring was full)
 * @param uniqueFlows distinct flows the kernel inserted into its flow table
 * @param packets packets the program saw; absent where the backend cannot count them (nflog)
 * @param clients SSE clients connected now
 * @param slowClientDrops events dropped for clients that did not keep up
 * @param openFlows flows open now; absent where the backend does not follow flows to their end (nflog)
 * @param closedFlows flows closed so far; absent likewise
 * @param evictedFlows of those, the flows closed early because the cell had more than cellflow.flows.max-open open;
 *     absent likewise
 * @param flowTableFullPackets packets the kernel could not count because the cell's flow table was full (their
 *     flows may be missing from the stream; each such gap is also a {@code lost} notice with cause
 *     {@code flow_table_full}); absent where the backend has no flow table (nflog)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record MonitorCounters(long events, long ringBufferLosses, long uniqueFlows, Long packets, int clients,
        long slowClientDrops, Long openFlows, Long closedFlows,
        @Schema(description = "of closed_flows, the flows closed early, least recently active first, because the"
                + " cell had more than cellflow.flows.max-open open; absent: nflog backend")
        Long evictedFlows,
        @Schema(description = "packets the kernel could not count because the cell's flow table was full (each gap"
                + " is also a lost notice with cause flow_table_full); absent: nflog backend")
        Long flowTableFullPackets) {}
