package io.cellflow.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cellflow.monitor.MonitorException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem details body, with cellflow's extension members: the cell, the offending field, the
 * interface and the kernel's errno where they apply.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Problem(
        String type,
        String title,
        int status,
        String detail,
        String cellId,
        String field,
        @JsonProperty("interface") String interfaceName,
        Integer errno,
        String errnoName) {

    public static final String MEDIA_TYPE = "application/problem+json";
    static final MediaType PROBLEM_JSON = MediaType.valueOf(MEDIA_TYPE);

    static Problem of(Response.Status status, String detail) {
        return new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail, null, null, null,
                null, null);
    }

    /** The problem a {@link MonitorException} leaves as: one status per reason. */
    static Problem of(MonitorException e) {
        int status = switch (e.reason()) {
            case INVALID_INPUT -> 400;
            case CELL_NOT_MONITORED, NETNS_NOT_FOUND, CGROUP_NOT_FOUND -> 404;
            case ALREADY_MONITORED -> 409;
            case INTERFACE_NOT_FOUND, NOT_A_CGROUP -> 422;
            case BACKEND_NOT_IMPLEMENTED -> 501;
            case BACKEND_UNAVAILABLE -> 503;
        };
        // JAX-RS has no constant for 422
        String title = status == 422 ? "Unprocessable Content"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        return new Problem("https://cellflow.io/problems/" + e.reason().name().toLowerCase().replace('_', '-'),
                title, status, e.getMessage(), e.cellId(), e.field().orElse(null), e.interfaceName().orElse(null),
                e.errno().map(x -> x.number()).orElse(null), e.errno().map(x -> x.name()).orElse(null));
    }

    Response toResponse() {
        return Response.status(status).type(PROBLEM_JSON).entity(this).build();
    }
}
