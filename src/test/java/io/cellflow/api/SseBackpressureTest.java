package io.cellflow.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.MonotonicClock;
import io.cellflow.monitor.FlowHub;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Write backpressure on a real socket: a client that stops reading fills the connection's write queue; from then on
 * the stream leaves items in the client's bounded queue, which overflows into an in-band {@code lost} notice, and
 * the publisher never waits. Publishing runs in rounds on the connection's event loop, each round followed by the
 * drain it scheduled, so without backpressure every event would be written (and buffered without bound).
 */
class SseBackpressureTest {
    private static final int CLIENT_BUFFER = 16;
    private static final int ROUNDS = 2000;
    private static final int PER_ROUND = 8;

    private final Vertx vertx = Vertx.vertx();
    private final FlowHub hub = new FlowHub(new FlowDecisionMapper("bp", "r", null, "ebpf_tc", new MonotonicClock()),
            "p", CLIENT_BUFFER, 100, item -> {});
    private final CompletableFuture<Context> streaming = new CompletableFuture<>();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClientThatStopsReadingIsToldWhatItMissedInBand() throws Exception {
        SseEncoder encoder = new SseEncoder(new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSendBufferSize(8192))
                .requestHandler(req -> {
                    Context ctx = vertx.getOrCreateContext();
                    SseConnection.start(req.response(), ctx, encoder, item -> true, false,
                            wakeup -> hub.subscribe(-1, wakeup));
                    streaming.complete(ctx);
                });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(4096);
            client.connect(new InetSocketAddress("127.0.0.1", server.actualPort()), 5000);
            client.getOutputStream().write(("GET /cells/bp/flows HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Context loop = streaming.get(10, TimeUnit.SECONDS);

            // step: publish while the client reads nothing
            CompletableFuture<Void> published = new CompletableFuture<>();
            loop.runOnContext(v -> round(loop, 0, published));
            published.get(30, TimeUnit.SECONDS);
            assertTrue(hub.slowClientDrops() > 0, "the stalled client's queue overflowed");

            // step: the monitor stops; the client reads everything to the end of the stream
            hub.complete();
            client.setSoTimeout(30_000);
            String body = dechunk(client.getInputStream());

            long flows = 0;
            long missed = 0;
            long lastId = 0;
            for (String frame : body.split("\n\n")) {
                if (frame.startsWith("id:")) {
                    long id = Long.parseLong(frame.substring(3, frame.indexOf('\n')));
                    assertEquals(lastId + 1, id, "the id follows the previous one, or the notice's gap");
                    assertTrue(frame.contains("\nevent:flow.opened\ndata:{\"schema_version\""), frame);
                    lastId = id;
                    flows++;
                } else {
                    assertTrue(frame.startsWith("event:lost\ndata:{\"missed\":"), frame);
                    assertTrue(frame.endsWith(",\"cause\":\"slow_client\"}"), frame);
                    long n = Long.parseLong(frame.substring(frame.indexOf(':', 18) + 1, frame.indexOf(',')));
                    lastId += n;
                    missed += n;
                }
            }
            assertTrue(missed > 0, "told in band");
            assertEquals(ROUNDS * PER_ROUND, flows + missed, "every event delivered or counted");
            assertEquals(missed, hub.slowClientDrops());
            assertEquals(0, hub.clients(), "the ended stream left the hub");
        }
    }

    /** One round of events, then the next round after the drain this one scheduled. */
    private void round(Context loop, int n, CompletableFuture<Void> done) {
        try {
            for (int i = 0; i < PER_ROUND; i++) {
                hub.publish(new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW,
                        InetAddress.getByName("198.18.0.1"), 1 + n % 60000, InetAddress.getByName("198.18.0.2"), 53,
                        17, 0, 1, 60, System.nanoTime(), 2, 0));
            }
        } catch (Exception e) {
            done.completeExceptionally(e);
            return;
        }
        if (n + 1 < ROUNDS) {
            loop.runOnContext(v -> round(loop, n + 1, done));
        } else {
            done.complete(null);
        }
    }

    /** Reads an HTTP/1.1 response to EOF and returns its chunked body. */
    private static String dechunk(InputStream in) throws Exception {
        byte[] bytes = in.readAllBytes();
        String raw = new String(bytes, StandardCharsets.ISO_8859_1); // one char per byte: indices are offsets
        assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n"), raw.substring(0, Math.min(200, raw.length())));
        assertTrue(raw.toLowerCase().contains("\r\ncontent-type: text/event-stream\r\n"));
        int pos = raw.indexOf("\r\n\r\n") + 4;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int eol = raw.indexOf("\r\n", pos);
            int size = Integer.parseInt(raw.substring(pos, eol), 16);
            if (size == 0) {
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(bytes, eol + 2, size);
            pos = eol + 2 + size + 2;
        }
    }
}
