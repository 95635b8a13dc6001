package io.cellflow.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellflow.monitor.AllCellsStream;
import io.cellflow.monitor.CellRegistry;
import io.cellflow.monitor.FlowHub;
import io.cellflow.monitor.FlowSubscription;
import io.cellflow.monitor.MonitorException;
import io.cellflow.monitor.MonitorInputs;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The flow streams, served straight from Vert.x routes (registered ahead of the JAX-RS resources, so they win for
 * these paths): {@code GET /cells/{cell_id}/flows} (resume with {@code Last-Event-ID} or {@code ?since=}) and
 * {@code GET /flows}, both with the filters {@code ?direction=&protocol=&port=&decision=&kind=}. Thin like a
 * resource: the token rule ({@link ApiToken}), validation and 400/404 problems before the stream starts, then
 * {@link SseConnection}. Documented in {@code META-INF/openapi.yaml}, which the OpenAPI document merges.
 */
@Singleton
class FlowStreamRoutes {
    private static final String CELL_PATH = "/cells/:cell_id/flows";
    private static final String ALL_PATH = "/flows";

    private final CellRegistry registry;
    private final AllCellsStream all;
    private final SseEncoder encoder;
    private final ApiToken token;
    private final ObjectMapper json;

    FlowStreamRoutes(CellRegistry registry, AllCellsStream all, SseEncoder encoder, ApiToken token, ObjectMapper json) {
        this.registry = registry;
        this.all = all;
        this.encoder = encoder;
        this.token = token;
        this.json = json;
    }

    void register(@Observes Router router) {
        router.route(CELL_PATH).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::cell);
        router.route(ALL_PATH).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::allCells);
        // the other methods as JAX-RS answered them (other methods on the cell path still reach JAX-RS: 404)
        router.route(CELL_PATH).method(HttpMethod.OPTIONS).handler(this::options);
        router.route(ALL_PATH).method(HttpMethod.OPTIONS).handler(this::options);
        router.route(ALL_PATH).handler(this::notAllowed);
    }

    private void cell(RoutingContext ctx) {
        String cellId = ctx.pathParam("cell_id");
        serve(ctx, () -> {
            MonitorInputs.cellId(cellId);
            FlowFilter filter = filter(ctx, cellId);
            String since = query(ctx, "since");
            long after = resumeAfter(cellId, since != null ? since : ctx.request().getHeader("Last-Event-ID"));
            FlowHub hub = registry.require(cellId).hub();
            return new Stream(filter, false, wakeup -> hub.subscribe(after, wakeup));
        });
    }

    private void allCells(RoutingContext ctx) {
        serve(ctx, () -> new Stream(filter(ctx, null), true, all::subscribe));
    }

    private void options(RoutingContext ctx) {
        if (authorised(ctx)) {
            ctx.response().putHeader("Allow", "HEAD, GET, OPTIONS").end();
        }
    }

    private void notAllowed(RoutingContext ctx) {
        if (authorised(ctx)) {
            problem(ctx, new Problem("about:blank", "Method Not Allowed", 405, "HTTP 405 Method Not Allowed", null,
                    null, null, null, null));
        }
    }

    /** What a valid request streams. */
    private record Stream(FlowFilter filter, boolean allCells, Function<Runnable, FlowSubscription> subscribe) {}

    private void serve(RoutingContext ctx, Supplier<Stream> request) {
        if (!authorised(ctx)) {
            return;
        }
        Stream stream;
        try {
            stream = request.get();
        } catch (MonitorException e) {
            problem(ctx, Problem.of(e));
            return;
        }
        if (ctx.request().method() == HttpMethod.HEAD) {
            ctx.response().putHeader(SseConnection.CONTENT_TYPE, SseConnection.EVENT_STREAM).end();
            return;
        }
        SseConnection.start(ctx.response(), ctx.vertx().getOrCreateContext(), encoder, stream.filter(),
                stream.allCells(), stream.subscribe());
    }

    private boolean authorised(RoutingContext ctx) {
        Optional<Problem> refused = token.check(ctx.request().method().name(), ctx.normalizedPath(),
                ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
        refused.ifPresent(p -> problem(ctx, p, true));
        return refused.isEmpty();
    }

    private void problem(RoutingContext ctx, Problem problem) {
        problem(ctx, problem, false);
    }

    /** The problem as JAX-RS sends it: length, type, then the challenge of a 401. */
    private void problem(RoutingContext ctx, Problem problem, boolean challenge) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            ctx.fail(e);
            return;
        }
        ctx.response().setStatusCode(problem.status())
                .putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length))
                .putHeader(SseConnection.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (challenge) {
            ctx.response().putHeader("WWW-Authenticate", ApiToken.CHALLENGE);
        }
        ctx.response().end(Buffer.buffer(body));
    }

    private static FlowFilter filter(RoutingContext ctx, String cellId) {
        return FlowFilter.of(cellId, query(ctx, "direction"), query(ctx, "protocol"), query(ctx, "port"),
                query(ctx, "decision"), query(ctx, "kind"));
    }

    /** The first value of a query parameter; absent and empty are the same, as for the JAX-RS resources. */
    private static String query(RoutingContext ctx, String name) {
        List<String> values = ctx.queryParam(name);
        return values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
    }

    private static long resumeAfter(String cellId, String id) {
        if (id == null || id.isEmpty()) {
            return -1;
        }
        try {
            long v = Long.parseLong(id.trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw MonitorException.invalid(cellId, "since", "event id must be a non-negative integer, got \""
                + (id.length() > 40 ? id.substring(0, 40) + "..." : id) + "\"");
    }
}
