package io.cellflow.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellflow.monitor.StreamItem;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.Map;

/** Turns stream items into SSE events: flows with id and kind, {@code lost} notices, heartbeat comments. */
@ApplicationScoped
class SseEvents {
    private final ObjectMapper json;

    SseEvents(ObjectMapper json) {
        this.json = json;
    }

    // serialised here rather than by the SSE writer, which would add a non-standard content-type field per event
    /** @param allCells whether ids carry the cell ({@code CELL:SEQUENCE}), as on the all-cells stream */
    OutboundSseEvent toSse(Sse sse, StreamItem item, boolean allCells) {
        try {
            if (item instanceof StreamItem.Flow f) {
                String id = !allCells ? Long.toString(f.sequence())
                        : f.decision().cellId() + ":" + f.sequence();
                return sse.newEventBuilder().id(id).name(f.kind().sseName())
                        .data(json.writeValueAsString(f.decision())).build();
            }
            if (item instanceof StreamItem.Lost lost) {
                return sse.newEventBuilder().name("lost")
                        .data(json.writeValueAsString(Map.of("missed", lost.missed(), "cause", lost.cause())))
                        .build();
            }
            return sse.newEventBuilder().comment("heartbeat").build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("flow event not serialisable", e);
        }
    }
}
