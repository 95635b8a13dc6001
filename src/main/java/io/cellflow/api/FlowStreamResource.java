package io.cellflow.api;

import io.cellflow.monitor.CellRegistry;
import io.cellflow.monitor.MonitorInputs;
import io.cellflow.monitor.StreamItem;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Live flow events as Server-Sent Events: {@code event:} is the kind ({@code flow.opened}, or {@code lost} for
 * events this client missed), {@code id:} the cell's sequence number, {@code data:} one NetworkFlowDecision.
 */
@Path("/cells/{cell_id}/flows")
@Tag(name = "flows")
public class FlowStreamResource {
    private final CellRegistry registry;

    FlowStreamResource(CellRegistry registry) {
        this.registry = registry;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Stream a cell's flow events (curl -N)")
    public Multi<OutboundSseEvent> flows(@PathParam("cell_id") String cellId, @Context Sse sse) {
        Multi<StreamItem> items = registry.require(MonitorInputs.cellId(cellId)).hub().subscribe();
        return items.map(item -> toSse(sse, item));
    }

    static OutboundSseEvent toSse(Sse sse, StreamItem item) {
        if (item instanceof StreamItem.Flow f) {
            return sse.newEventBuilder().id(Long.toString(f.sequence())).name(f.kind().sseName())
                    .mediaType(MediaType.APPLICATION_JSON_TYPE).data(f.decision()).build();
        }
        StreamItem.Lost lost = (StreamItem.Lost) item;
        return sse.newEventBuilder().name("lost").mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(Map.of("missed", lost.missed(), "cause", lost.cause())).build();
    }
}
