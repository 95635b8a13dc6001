package io.cellflow.api;

import io.cellflow.flow.NetworkFlowDecision;
import io.cellflow.monitor.CellRegistry;
import io.cellflow.monitor.MonitorException;
import io.cellflow.monitor.MonitorInputs;
import io.cellflow.monitor.StreamItem;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A cell's newest buffered flow events, without waiting (the streams themselves: {@link FlowStreamRoutes}). */
@Path("/cells/{cell_id}/flows")
@Tag(name = "flows")
public class RecentFlowsResource {
    private static final String PROBLEM = Problem.MEDIA_TYPE;

    private final CellRegistry registry;

    RecentFlowsResource(CellRegistry registry) {
        this.registry = registry;
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
}
