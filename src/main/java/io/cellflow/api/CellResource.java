package io.cellflow.api;

import io.cellflow.monitor.CellMonitor;
import io.cellflow.monitor.CellRegistry;
import io.cellflow.monitor.MonitorException;
import io.cellflow.monitor.MonitorInputs;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Monitor lifecycle: thin; the {@link CellRegistry} owns every decision. */
@Path("/cells")
@Tag(name = "cells")
@Produces(MediaType.APPLICATION_JSON)
public class CellResource {
    private final CellRegistry registry;

    CellResource(CellRegistry registry) {
        this.registry = registry;
    }

    @GET
    @Operation(summary = "List running monitors")
    public List<MonitorView> list() {
        return registry.list().stream().map(MonitorView::of).toList();
    }

    @POST
    @Path("/{cell_id}/monitor")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start monitoring a cell's interface")
    public Response start(@PathParam("cell_id") String cellId, StartMonitorRequest body) {
        MonitorInputs.cellId(cellId);
        if (body == null) {
            throw MonitorException.invalid(cellId, "body",
                    "a JSON body is required: {\"netns\": \"/run/netns/NAME\", \"interface\": \"IFNAME\"}");
        }
        CellMonitor monitor = registry.start(MonitorInputs.spec(cellId, body.netns(), body.interfaceName(),
                body.backend(), body.runId(), body.correlationId()));
        return Response.created(URI.create("/cells/" + cellId + "/monitor")).entity(MonitorView.of(monitor))
                .build();
    }

    @GET
    @Path("/{cell_id}/monitor")
    @Operation(summary = "A monitor's backend, state and counters")
    public MonitorView get(@PathParam("cell_id") String cellId) {
        return MonitorView.of(registry.require(MonitorInputs.cellId(cellId)));
    }

    @DELETE
    @Path("/{cell_id}/monitor")
    @Operation(summary = "Stop monitoring: detach and free everything the monitor created")
    public Response stop(@PathParam("cell_id") String cellId) {
        registry.stop(MonitorInputs.cellId(cellId));
        return Response.noContent().build();
    }
}
