package io.cellflow.api;

import io.cellflow.config.CellflowConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * {@code cellflow.api.token}, the one rule for every protected call, whoever serves it (the JAX-RS filter, the
 * stream routes): mutating calls, flow streams and BPF map reads need {@code Authorization: Bearer <token>}. The
 * check compares SHA-256 digests with {@link MessageDigest#isEqual}, so neither the content nor the length of the
 * token leaks through timing. Unset (the default, with the API on loopback), nothing is checked.
 */
@ApplicationScoped
public class ApiToken {
    /** The challenge sent with every 401. */
    static final String CHALLENGE = "Bearer realm=\"cellflow\"";

    private final Optional<byte[]> expected;

    ApiToken(CellflowConfig config) {
        this.expected = config.api().token().filter(t -> !t.isEmpty()).map(ApiToken::digest);
    }

    /** Whether {@code method path} (path without the query) needs the token when one is set. */
    static boolean protects(String method, String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path; // flows/
        return !"GET".equals(method) && !"HEAD".equals(method) || p.endsWith("/flows") || p.startsWith("/flows")
                || p.startsWith("/bpf");
    }

    /**
     * @param authorization the request's {@code Authorization} header, or null
     * @return empty when the call may proceed, else the 401 problem to answer with (and {@link #CHALLENGE})
     */
    Optional<Problem> check(String method, String path, String authorization) {
        if (expected.isEmpty() || !protects(method, path)) {
            return Optional.empty();
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : "";
        if (MessageDigest.isEqual(expected.get(), digest(presented))) {
            return Optional.empty();
        }
        return Optional.of(Problem.of(Response.Status.UNAUTHORIZED,
                authorization == null ? "this call needs Authorization: Bearer <token> (cellflow.api.token is set)"
                        : "the bearer token is not valid"));
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }
}
