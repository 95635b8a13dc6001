package io.cellflow.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** A minimal SSE client for tests: collects every event of one stream until it ends or is closed. */
public final class SseClient implements AutoCloseable {
    /** One received event. */
    public record Event(String name, String id, JsonNode data) {
        /** The flow this event is about, as {@link #flow(String, String, String, int, String, int)} writes it. */
        public String flow() {
            return SseClient.flow(data);
        }
    }

    /** {@code direction protocol src:sport>dst:dport}: how tests name an expected flow. */
    public static String flow(String dir, String proto, String src, int sport, String dst, int dport) {
        return dir + " " + proto + " " + src + ":" + sport + ">" + dst + ":" + dport;
    }

    /** The same for a received NetworkFlowDecision; absent ports read as -1. */
    public static String flow(JsonNode d) {
        return flow(d.path("direction").asText(), d.path("protocol").asText(), d.path("src_addr").asText(),
                d.path("src_port").asInt(-1), d.path("dst_addr").asText(), d.path("dst_port").asInt(-1));
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private volatile int status;
    private final java.util.concurrent.atomic.AtomicInteger comments = new java.util.concurrent.atomic.AtomicInteger();

    public SseClient(URI uri) {
        this(uri, null);
    }

    /** @param lastEventId sent as {@code Last-Event-ID} when not null */
    public SseClient(URI uri, String lastEventId) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            req.header("Last-Event-ID", lastEventId);
        }
        response = http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAccept(r -> {
            status = r.statusCode();
            Thread t = new Thread(() -> read(r.body()), "test-sse-reader");
            t.setDaemon(true);
            t.start();
        }).exceptionally(e -> {
            ended.complete(null);
            return null;
        });
    }

    private void read(Stream<String> lines) {
        String[] cur = new String[3];
        try {
            lines.forEach(line -> {
                if (line.isEmpty()) {
                    if (cur[2] != null) {
                        try {
                            events.add(new Event(cur[0], cur[1], JSON.readTree(cur[2])));
                        } catch (Exception e) {
                            throw new IllegalStateException("bad event data: " + cur[2], e);
                        }
                    }
                    cur[0] = cur[1] = cur[2] = null;
                } else if (line.startsWith(":")) {
                    comments.incrementAndGet();
                } else if (line.startsWith("event:")) {
                    cur[0] = line.substring(6).trim();
                } else if (line.startsWith("id:")) {
                    cur[1] = line.substring(3).trim();
                } else if (line.startsWith("data:")) {
                    cur[2] = line.substring(5).trim();
                }
            });
        } catch (RuntimeException e) {
            // closed by us
        } finally {
            ended.complete(null);
        }
    }

    /** Comment lines (heartbeats) received. */
    public int comments() {
        return comments.get();
    }

    public List<Event> events() {
        return events;
    }

    public int status() {
        return status;
    }

    /** Waits until some event matches, for at most {@code timeout}. */
    public boolean await(Predicate<List<Event>> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.test(events)) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.test(events);
    }

    public boolean awaitEnd(Duration timeout) {
        try {
            ended.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        response.thenAccept(r -> r.body().close());
        response.cancel(true);
    }
}
