package io.cellflow.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Live flow events as Server-Sent Events: {@code event:} is the kind ({@code flow.opened}, or {@code lost} for
 * events this client missed), {@code id:} the cell's sequence number, {@code data:} one NetworkFlowDecision.
 */
@Path("/cells/{cell_id}/flows")
@Tag(name = "flows")
public class FlowStreamResource {
    private final CellRegistry registry;
    private final ObjectMapper json;

    FlowStreamResource(CellRegistry registry, ObjectMapper json) {
        this.registry = registry;
        this.json = json;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Stream a cell's flow events (curl -N)", description = "text/event-stream: event: flow.opened"
            + " (data: a NetworkFlowDecision) or lost (data: {missed, cause}); id: the cell's sequence number")
    @APIResponse(responseCode = "200", description = "the live stream; ends when the monitor stops",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = io.cellflow.flow.NetworkFlowDecision.class)))
    @APIResponse(responseCode = "400", description = "bad cell id", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "cell not monitored", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Multi<OutboundSseEvent> flows(@PathParam("cell_id") String cellId, @Context Sse sse) {
        Multi<StreamItem> items = registry.require(MonitorInputs.cellId(cellId)).hub().subscribe();
        return items.map(item -> toSse(sse, item));
    }

    // serialised here rather than by the SSE writer, which would add a non-standard content-type field per event
    private OutboundSseEvent toSse(Sse sse, StreamItem item) {
        try {
            if (item instanceof StreamItem.Flow f) {
                return sse.newEventBuilder().id(Long.toString(f.sequence())).name(f.kind().sseName())
                        .data(json.writeValueAsString(f.decision())).build();
            }
            StreamItem.Lost lost = (StreamItem.Lost) item;
            return sse.newEventBuilder().name("lost")
                    .data(json.writeValueAsString(Map.of("missed", lost.missed(), "cause", lost.cause()))).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("flow event not serialisable", e);
        }
    }
}
