package io.cellflow.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellflow.monitor.CellMonitor;
import io.cellflow.monitor.CellRegistry;
import io.cellflow.monitor.MonitorInputs;
import io.cellflow.policy.Policy;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A running monitor's egress policy: thin; the {@link CellRegistry} and the backends do the work. */
@Path("/cells/{cell_id}/policy")
@Tag(name = "cells")
@Produces(MediaType.APPLICATION_JSON)
public class PolicyResource {
    private final CellRegistry registry;
    private final ObjectMapper json;

    PolicyResource(CellRegistry registry, ObjectMapper json) {
        this.registry = registry;
        this.json = json;
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace a monitored cell's egress policy live",
            description = "The monitor keeps running: same run_id, the stream and its sequence go on, no flow is"
                    + " lost. Packets meet the old policy or the new one, never a mix. Events carry the new"
                    + " policy_digest from now on.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = PolicyDocument.class)))
    @APIResponse(responseCode = "200", description = "the policy is live",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PolicyView.class)))
    @APIResponse(responseCode = "400", description = "bad cell id or malformed policy; field names the member,"
            + " e.g. policy.rules[2].cidr", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "cell not monitored", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "request body too large")
    @APIResponse(responseCode = "503", description = "the kernel or nft refused; the previous policy stays live", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public PolicyView replace(@PathParam("cell_id") String cellId, JsonNode body) throws JsonProcessingException {
        String id = MonitorInputs.cellId(cellId);
        registry.require(id);
        Policy policy = MonitorInputs.policy(id, body);
        CellMonitor monitor = registry.replacePolicy(id, policy);
        return view(monitor, policy);
    }

    private PolicyView view(CellMonitor monitor, Policy policy) throws JsonProcessingException {
        return new PolicyView(monitor.spec().cellId(), policy.digest(), json.readTree(policy.canonicalJson()));
    }
}
