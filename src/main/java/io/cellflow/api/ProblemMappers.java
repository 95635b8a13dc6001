package io.cellflow.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.cellflow.monitor.MonitorException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves as {@code application/problem+json}. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response monitor(MonitorException e) {
        Problem problem = Problem.of(e);
        if (problem.status() == 503) {
            LOG.warnf(e, "cell %s: %s", e.cellId(), e.getMessage());
        }
        return problem.toResponse();
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        return new Problem("about:blank", "Bad Request", 400, "unknown field \"" + e.getPropertyName()
                + "\"; known fields: netns, interface, cgroup, backend, run_id, correlation_id, keyset_id, issuer_kid,"
                + " policy, ring_buffer_bytes", null, e.getPropertyName(),
                null, null, null).toResponse();
    }

    /** A member of the wrong type ({@code "ring_buffer_bytes": "big"}): 400 naming the member. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e) {
        String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                : "[" + r.getIndex() + "]").reduce((x, y) -> y.startsWith("[") ? x + y : x + "." + y).orElse(null);
        return new Problem("about:blank", "Bad Request", 400, "malformed JSON body: " + e.getOriginalMessage(), null,
                field, null, null, null).toResponse();
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        return Problem.of(Response.Status.BAD_REQUEST, "malformed JSON body: " + e.getOriginalMessage())
                .toResponse();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
        if (status == null) {
            return new Problem("about:blank", "Error", e.getResponse().getStatus(), e.getMessage(), null, null, null,
                    null, null).toResponse();
        }
        Throwable cause = e.getCause();
        String detail = cause instanceof JsonProcessingException j ? "malformed JSON body: " + j.getOriginalMessage()
                : e.getMessage();
        return Problem.of(status, detail).toResponse();
    }
}
