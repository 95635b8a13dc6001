package io.cellflow.api;

import io.cellflow.monitor.FlowSubscription;
import io.cellflow.monitor.StreamItem;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One SSE client on the wire. Everything here runs on the connection's event loop except {@link #wake}, which the
 * publishing thread calls when items arrive for a client that had drained its queue, or when the stream ends.
 * Each run drains up to {@value #BATCH} items, encodes them into one buffer and writes it once. While the
 * connection's write queue is full nothing is taken from the subscription, so its bounded queue fills and
 * overflows into in-band {@code lost} notices; the drain handler resumes the stream.
 */
final class SseConnection {
    /** Items per write: bounds the event loop's time per run and the size of one buffer. */
    static final int BATCH = 512;
    /** Header names spelled as the JAX-RS resources sent them. */
    static final String CONTENT_TYPE = "Content-Type";
    static final String EVENT_STREAM = "text/event-stream";

    private final HttpServerResponse response;
    private final Context context;
    private final SseEncoder encoder;
    private final Predicate<StreamItem> filter;
    private final boolean allCells;
    private final List<StreamItem> batch = new ArrayList<>();
    private final Handler<Void> drainTask = v -> drain();
    private FlowSubscription subscription;
    private boolean closed;

    private SseConnection(HttpServerResponse response, Context context, SseEncoder encoder,
            Predicate<StreamItem> filter, boolean allCells) {
        this.response = response;
        this.context = context;
        this.encoder = encoder;
        this.filter = filter;
        this.allCells = allCells;
    }

    /**
     * Sends the headers and starts streaming; call on the request's event loop.
     *
     * @param subscribe subscribes with the given wake-up
     */
    static void start(HttpServerResponse response, Context context, SseEncoder encoder, Predicate<StreamItem> filter,
            boolean allCells, Function<Runnable, FlowSubscription> subscribe) {
        SseConnection c = new SseConnection(response, context, encoder, filter, allCells);
        c.subscription = subscribe.apply(c::wake);
        response.setStatusCode(200).putHeader(CONTENT_TYPE, EVENT_STREAM).setChunked(true);
        response.closeHandler(v -> c.close());
        response.exceptionHandler(e -> c.close());
        response.drainHandler(c.drainTask);
        response.write(Buffer.buffer()); // the headers now: the client sees 200 before the first event
        c.drain();
    }

    private void wake() {
        context.runOnContext(drainTask);
    }

    private void drain() {
        if (closed) {
            return;
        }
        if (response.closed()) {
            close();
            return;
        }
        if (response.writeQueueFull()) {
            return; // the drain handler calls back; meanwhile the subscription's queue absorbs or drops
        }
        FlowSubscription.Status status = subscription.drainTo(batch, BATCH);
        Buffer frames = encoder.encode(batch, filter, allCells);
        batch.clear();
        if (frames != null) {
            response.write(frames);
        }
        switch (status) {
            case MORE -> context.runOnContext(drainTask); // after other connections' work on this loop
            case ENDED -> {
                close();
                response.end();
            }
            case PARKED -> {
                // the next item wakes us
            }
        }
    }

    private void close() {
        if (!closed) {
            closed = true;
            subscription.cancel();
        }
    }
}
