package io.cellflow.api;

import io.cellflow.bpf.BpfMapInspector;
import io.cellflow.bpf.Native;
import io.cellflow.monitor.KernelRuntime;
import io.cellflow.monitor.MonitorException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Every BPF map on the host (not only ours), read-only: for operators chasing what the kernel holds. */
@Path("/bpf/maps")
@Tag(name = "bpf")
@Produces(MediaType.APPLICATION_JSON)
public class BpfMapResource {
    private static final String PROBLEM = Problem.MEDIA_TYPE;
    private final KernelRuntime runtime;

    BpfMapResource(KernelRuntime runtime) {
        this.runtime = runtime;
    }

    @GET
    @Operation(summary = "List every BPF map visible to the kernel")
    @APIResponse(responseCode = "200", description = "maps by id", content = @Content(
            mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.ARRAY, implementation = BpfMapInspector.MapInfo.class)))
    @APIResponse(responseCode = "503", description = "libbpf is not available",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = Problem.class)))
    public List<BpfMapInspector.MapInfo> list(
            @QueryParam("name_suffix") @Parameter(description = "keep maps whose name ends so") String nameSuffix) {
        return inspector().list(nameSuffix);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One map and a page of its entries (hash and array types, per CPU where per-CPU), as hex")
    @APIResponse(responseCode = "200", description = "the map and up to limit entries; next_cursor when more",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = BpfMapInspector.Page.class)))
    @APIResponse(responseCode = "400", description = "bad id, cursor or limit, or a map type that cannot be listed",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "no such map",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = Problem.class)))
    public Response entries(@PathParam("id") String id,
            @QueryParam("cursor") @Parameter(description = "next_cursor of the previous page") String cursor,
            @QueryParam("limit") @Parameter(description = "1-1000, default 100") String limit) {
        int mapId = number("id", id, 1, Integer.MAX_VALUE, 0);
        int n = number("limit", limit, 1, 1000, 100);
        try {
            return inspector().entries(mapId, cursor, n).map(p -> Response.ok(p).build())
                    .orElseGet(() -> Problem.of(Response.Status.NOT_FOUND, "no BPF map with id " + mapId)
                            .toResponse());
        } catch (IllegalArgumentException e) {
            throw MonitorException.invalid(null, cursor != null && e.getMessage().startsWith("cursor") ? "cursor"
                    : "id", e.getMessage());
        }
    }

    private BpfMapInspector inspector() {
        Native nat = runtime.nat();
        if (nat == null || nat.libbpfMissing() != null) {
            throw MonitorException.of(MonitorException.Reason.BACKEND_UNAVAILABLE, null,
                    "BPF maps cannot be read: " + (nat == null ? runtime.unavailableReason() : nat.libbpfMissing()));
        }
        return new BpfMapInspector(nat);
    }

    private static int number(String name, String value, int min, int max, int dflt) {
        if (value == null && dflt > 0) {
            return dflt;
        }
        try {
            int v = Integer.parseInt(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw MonitorException.invalid(null, name, name + " must be " + min + "-" + max + ", got \"" + value + "\"");
    }
}
