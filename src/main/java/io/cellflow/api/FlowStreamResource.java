package io.cellflow.api;

import io.cellflow.flow.NetworkFlowDecision;
import io.cellflow.monitor.CellRegistry;
import io.cellflow.monitor.MonitorException;
import io.cellflow.monitor.MonitorInputs;
import io.cellflow.monitor.StreamItem;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Flow events as Server-Sent Events: {@code event:} is the kind ({@code flow.opened}, or {@code lost} for events a
 * client did not get), {@code id:} the cell's sequence number, {@code data:} one NetworkFlowDecision. Idle streams
 * get a comment line every heartbeat interval.
 */
@Path("/cells/{cell_id}/flows")
@Tag(name = "flows")
public class FlowStreamResource {
    private static final String PROBLEM = Problem.MEDIA_TYPE;

    private final CellRegistry registry;
    private final SseEvents events;

    FlowStreamResource(CellRegistry registry, SseEvents events) {
        this.registry = registry;
        this.events = events;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Stream a cell's flow events (curl -N)", description = "event: flow.opened (data: a"
            + " NetworkFlowDecision) or lost (data: {missed, cause}); id: the cell's sequence number. Reconnect with"
            + " Last-Event-ID (or ?since=ID) to get the events after that id that are still buffered.")
    @APIResponse(responseCode = "200", description = "the live stream; ends when the monitor stops",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = NetworkFlowDecision.class)))
    @APIResponse(responseCode = "400", description = "bad cell id, id or filter value",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "cell not monitored",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = Problem.class)))
    public Multi<OutboundSseEvent> flows(@PathParam("cell_id") String cellId,
            @HeaderParam("Last-Event-ID") @Parameter(description = "resume after this event id") String lastEventId,
            @QueryParam("since") @Parameter(description = "resume after this event id") String since,
            @QueryParam("direction") @Parameter(description = "ingress or egress") String direction,
            @QueryParam("protocol") @Parameter(description = "tcp, udp, icmp or icmpv6") String protocol,
            @QueryParam("port") @Parameter(description = "source or destination port") String port,
            @QueryParam("decision") @Parameter(description = "allow or deny") String decision,
            @QueryParam("kind") @Parameter(description = "opened, updated or closed") String kind,
            @Context Sse sse) {
        MonitorInputs.cellId(cellId);
        FlowFilter filter = FlowFilter.of(cellId, direction, protocol, port, decision, kind);
        long after = resumeAfter(cellId, since != null ? since : lastEventId);
        Multi<StreamItem> items = registry.require(cellId).hub().subscribe(after);
        return items.select().where(filter).map(item -> events.toSse(sse, item, false));
    }

    @GET
    @Path("recent")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The newest buffered events of a cell, without waiting")
    @APIResponse(responseCode = "200", description = "oldest first",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.ARRAY, implementation = NetworkFlowDecision.class)))
    @APIResponse(responseCode = "400", description = "bad cell id or limit",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "cell not monitored",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = Problem.class)))
    public List<NetworkFlowDecision> recent(@PathParam("cell_id") String cellId,
            @QueryParam("limit") @Parameter(description = "1-10000, default 100") String limit) {
        MonitorInputs.cellId(cellId);
        int n = 100;
        if (limit != null) {
            try {
                n = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1 || n > 10_000) {
                throw MonitorException.invalid(cellId, "limit", "limit must be 1-10000, got \"" + limit + "\"");
            }
        }
        return registry.require(cellId).hub().recent(n).stream().map(StreamItem.Flow::decision).toList();
    }

    private static long resumeAfter(String cellId, String id) {
        if (id == null || id.isEmpty()) {
            return -1;
        }
        try {
            long v = Long.parseLong(id.trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw MonitorException.invalid(cellId, "since", "event id must be a non-negative integer, got \""
                + (id.length() > 40 ? id.substring(0, 40) + "..." : id) + "\"");
    }
}
