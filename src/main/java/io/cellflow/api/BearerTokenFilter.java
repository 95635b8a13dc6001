package io.cellflow.api;

import io.cellflow.config.CellflowConfig;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@code cellflow.api.token}: mutating calls, flow streams and BPF map reads need the bearer token. The check
 * compares SHA-256 digests with {@link MessageDigest#isEqual}, so neither the content nor the length of the token
 * leaks through timing. Unset (the default, with the API on loopback), nothing is checked.
 */
public class BearerTokenFilter {
    private final Optional<byte[]> expected;

    BearerTokenFilter(CellflowConfig config) {
        this.expected = config.api().token().filter(t -> !t.isEmpty()).map(BearerTokenFilter::digest);
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext request) {
        if (expected.isEmpty() || !protectedCall(request)) {
            return Optional.empty();
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim()
                : "";
        if (MessageDigest.isEqual(expected.get(), digest(presented))) {
            return Optional.empty();
        }
        return Optional.of(Response.fromResponse(Problem.of(Response.Status.UNAUTHORIZED,
                header == null ? "this call needs Authorization: Bearer <token> (cellflow.api.token is set)"
                        : "the bearer token is not valid").toResponse())
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"cellflow\"").build());
    }

    private static boolean protectedCall(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        return !HttpMethod.GET.equals(request.getMethod()) && !HttpMethod.HEAD.equals(request.getMethod())
                || path.endsWith("/flows") || path.startsWith("/flows") || path.startsWith("/bpf");
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }
}
