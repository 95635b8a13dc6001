package io.cellflow.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.MonotonicClock;
import io.cellflow.monitor.FlowHub;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection asks for one batch at a time and writes nothing while the write queue is full, however often the
 * queue drains in between: a drain handler that fires while a batch is already requested must not ask for a second
 * one. The response is a stand-in whose write queue the test fills and drains at will; the stream is real.
 */
class SseDemandTest {
    private final Vertx vertx = Vertx.vertx();
    private final Context loop = vertx.getOrCreateContext();
    private final FlowHub hub = new FlowHub(new FlowDecisionMapper("dm", "r", null, "ebpf_tc", new MonotonicClock()),
            "p", 1000, 10, item -> {});
    private final StandInResponse response = new StandInResponse();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aDrainWhileABatchIsRequestedAsksForNoSecond() throws Exception {
        SseEncoder encoder = new SseEncoder(new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));
        onLoop(() -> SseConnection.start(response.proxy, loop, encoder, item -> true, false,
                wakeup -> hub.subscribe(-1, wakeup)));

        publish(10);
        assertEquals(1, response.writes, "the first batch; the next is requested, none is queued yet");
        onLoop(response::drained); // the queue drains, twice, while that request waits
        onLoop(response::drained);

        response.fillOnWrite = true;
        publish(10);
        assertEquals(2, response.writes, "the requested batch, which filled the queue");
        publish(10);
        publish(10);
        assertEquals(2, response.writes, "nothing while the queue is full");

        onLoop(response::drained);
        settle();
        assertEquals(3, response.writes, "what was queued meanwhile, as one batch, once the queue drained");
        assertEquals(0, response.writesWhileFull);
        assertEquals(0, hub.slowClientDrops());
    }

    /** Publishes n flows in one loop task, so that the wake-up's drain finds all of them. */
    private void publish(int n) throws Exception {
        InetAddress src = InetAddress.getByName("198.18.0.1"), dst = InetAddress.getByName("198.18.0.2");
        onLoop(() -> {
            for (int i = 0; i < n; i++) {
                hub.publish(new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW, src, 1000 + i, dst, 53,
                        17, 0, 1, 60, System.nanoTime(), 2, 0));
            }
        });
        settle();
    }

    /** Runs what the loop has queued: the wake-up or request, then the drain it posted (tasks run in order). */
    private void settle() throws Exception {
        onLoop(() -> {});
        onLoop(() -> {});
    }

    private void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.runOnContext(v -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    /**
     * An HttpServerResponse whose write queue is full from a write (while {@link #fillOnWrite}) to the next
     * {@link #drained}; every write completes at once.
     */
    private static final class StandInResponse {
        boolean fillOnWrite;
        boolean full;
        int writes;
        int writesWhileFull;
        private Handler<Void> drainHandler;
        final HttpServerResponse proxy = (HttpServerResponse) Proxy.newProxyInstance(
                HttpServerResponse.class.getClassLoader(), new Class<?>[] {HttpServerResponse.class},
                (p, method, args) -> switch (method.getName()) {
                    case "drainHandler" -> {
                        @SuppressWarnings("unchecked")
                        Handler<Void> h = (Handler<Void>) args[0];
                        drainHandler = h;
                        yield p;
                    }
                    case "write" -> {
                        if (args.length == 2) { // a batch of frames, with its completion handler
                            Buffer b = (Buffer) args[0];
                            if (b.length() > 0) {
                                writes++;
                                writesWhileFull += full ? 1 : 0;
                                full = fillOnWrite;
                            }
                            @SuppressWarnings("unchecked")
                            Handler<AsyncResult<Void>> done = (Handler<AsyncResult<Void>>) args[1];
                            done.handle(Future.succeededFuture());
                            yield null;
                        }
                        yield Future.succeededFuture();
                    }
                    case "writeQueueFull" -> full;
                    case "closed", "ended", "reset" -> false;
                    case "end" -> Future.succeededFuture();
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    case "toString" -> "StandInResponse";
                    default -> method.getReturnType() == HttpServerResponse.class ? p : null;
                });

        /** The queue drained below its low-water mark. */
        void drained() {
            full = false;
            drainHandler.handle(null);
        }
    }
}
