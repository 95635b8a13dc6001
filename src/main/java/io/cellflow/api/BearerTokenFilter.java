package io.cellflow.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** {@link ApiToken}'s rule for the JAX-RS resources (the stream routes apply it themselves). */
public class BearerTokenFilter {
    private final ApiToken token;

    BearerTokenFilter(ApiToken token) {
        this.token = token;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext request) {
        return token.check(request.getMethod(), request.getUriInfo().getPath(),
                request.getHeaderString(HttpHeaders.AUTHORIZATION))
                .map(problem -> Response.fromResponse(problem.toResponse())
                        .header(HttpHeaders.WWW_AUTHENTICATE, ApiToken.CHALLENGE).build());
    }
}
