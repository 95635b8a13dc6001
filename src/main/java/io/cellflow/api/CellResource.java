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
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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
    @APIResponse(responseCode = "200", description = "every monitor, by cell id",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.ARRAY, implementation = MonitorView.class)))
    public List<MonitorView> list() {
        return registry.list().stream().map(MonitorView::of).toList();
    }

    @POST
    @Path("/{cell_id}/monitor")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start monitoring a cell's interface")
    @APIResponse(responseCode = "201", description = "the monitor runs",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MonitorView.class)))
    @APIResponse(responseCode = "400", description = "bad cell id, body, netns form, interface name, ring_buffer_bytes or policy (field names the member, e.g. policy.rules[2].cidr)", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "network namespace not found", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "cell already monitored", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "request body too large")
    @APIResponse(responseCode = "422", description = "interface not in that namespace", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "501", description = "requested backend not built yet", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "no backend could start (kernel errno included)", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response start(@PathParam("cell_id") String cellId, StartMonitorRequest body) {
        MonitorInputs.cellId(cellId);
        if (body == null) {
            throw MonitorException.invalid(cellId, "body",
                    "a JSON body is required: {\"netns\": \"/run/netns/NAME\", \"interface\": \"IFNAME\"}");
        }
        if (body.cgroup() != null && (body.netns() != null || body.interfaceName() != null)) {
            throw MonitorException.invalid(cellId, "cgroup",
                    "a cell is either netns + interface or cgroup, not both");
        }
        CellMonitor monitor = registry.start(MonitorInputs.ringBufferBytes(MonitorInputs.keys(body.cgroup() != null
                ? MonitorInputs.cgroupSpec(cellId, body.cgroup(), body.backend(), body.runId(), body.correlationId(),
                        body.policy())
                : MonitorInputs.spec(cellId, body.netns(), body.interfaceName(), body.backend(), body.runId(),
                        body.correlationId(), body.policy()), body.keysetId(), body.issuerKid()),
                body.ringBufferBytes()));
        return Response.created(URI.create("/cells/" + cellId + "/monitor")).entity(MonitorView.of(monitor))
                .build();
    }

    @GET
    @Path("/{cell_id}/monitor")
    @Operation(summary = "A monitor's backend, state and counters")
    @APIResponse(responseCode = "200", description = "the monitor",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MonitorView.class)))
    @APIResponse(responseCode = "400", description = "bad cell id", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "cell not monitored", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public MonitorView get(@PathParam("cell_id") String cellId) {
        return MonitorView.of(registry.require(MonitorInputs.cellId(cellId)));
    }

    @DELETE
    @Path("/{cell_id}/monitor")
    @Operation(summary = "Stop monitoring: detach and free everything the monitor created")
    @APIResponse(responseCode = "204", description = "stopped; nothing it created is left")
    @APIResponse(responseCode = "400", description = "bad cell id", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "cell not monitored", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response stop(@PathParam("cell_id") String cellId) {
        registry.stop(MonitorInputs.cellId(cellId));
        return Response.noContent().build();
    }
}
