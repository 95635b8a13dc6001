package io.cellflow.api;

import io.cellflow.flow.NetworkFlowDecision;
import io.cellflow.monitor.AllCellsStream;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Every cell's flow events on one SSE stream. */
@Path("/flows")
@Tag(name = "flows")
public class AllFlowsResource {
    private static final String PROBLEM = Problem.MEDIA_TYPE;

    private final AllCellsStream all;
    private final SseEvents events;

    AllFlowsResource(AllCellsStream all, SseEvents events) {
        this.all = all;
        this.events = events;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Stream every cell's flow events", description = "live only; id: CELL:SEQUENCE")
    @APIResponse(responseCode = "200", description = "the live stream of all cells",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = NetworkFlowDecision.class)))
    @APIResponse(responseCode = "400", description = "bad filter value",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = Problem.class)))
    public Multi<OutboundSseEvent> allFlows(@QueryParam("direction") String direction,
            @QueryParam("protocol") String protocol, @QueryParam("port") String port,
            @QueryParam("decision") String decision, @QueryParam("kind") String kind, @Context Sse sse) {
        FlowFilter filter = FlowFilter.of(null, direction, protocol, port, decision, kind);
        return all.subscribe().select().where(filter).map(item -> events.toSse(sse, item, true));
    }
}
