package io.cellflow.monitor;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A monitor's counters at one moment.
 *
 * @param events flow events published to the stream
 * @param ringBufferLosses records the kernel could not reserve (the ring was full)
 * @param uniqueFlows distinct flows the kernel inserted into its flow table
 * @param packets packets the program saw
 * @param clients SSE clients connected now
 * @param slowClientDrops events dropped for clients that did not keep up
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MonitorCounters(long events, long ringBufferLosses, long uniqueFlows, long packets, int clients,
        long slowClientDrops) {}
