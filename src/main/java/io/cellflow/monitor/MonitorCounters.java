package io.cellflow.monitor;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

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
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record MonitorCounters(long events, long ringBufferLosses, long uniqueFlows, Long packets, int clients,
        long slowClientDrops, Long openFlows, Long closedFlows) {}
