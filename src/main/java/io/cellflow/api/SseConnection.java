package io.cellflow.api;

import io.cellflow.monitor.FlowBatches;
import io.cellflow.monitor.FlowSubscription;
import io.cellflow.monitor.StreamItem;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One SSE client on the wire: subscribes to the client's Mutiny stream of batches ({@link FlowBatches}) and writes
 * each batch as one buffer of SSE frames. Everything runs on the connection's event loop. One batch is requested
 * at a time, and the next only while the connection's write queue has room: while it is full nothing is taken, so
 * the client's bounded queue fills and overflows into in-band {@code lost} notices; the drain handler resumes.
 */
final class SseConnection implements MultiSubscriber<List<StreamItem>> {
    /** Items per write: bounds the event loop's time per batch and the bytes of one write (~230 KB). */
    static final int BATCH = 512;
    /** Header names spelled as the JAX-RS resources sent them. */
    static final String CONTENT_TYPE = "Content-Type";
    static final String EVENT_STREAM = "text/event-stream";

    private final HttpServerResponse response;
    private final SseEncoder encoder;
    private final Predicate<StreamItem> filter;
    private final boolean allCells;
    private Flow.Subscription subscription;
    /**
     * A batch is requested and not yet delivered. Never more than one: a drain handler that requested another
     * while one was pending added to the demand, the extra batches were written whether the write queue was full
     * or not, and a client that read slower than the cell published had tens of megabytes queued for it in the
     * service (256 writes, 58 MB, at the generator's max rate) instead of {@code lost} notices.
     */
    private boolean awaiting;
    private boolean closed;

    private SseConnection(HttpServerResponse response, SseEncoder encoder, Predicate<StreamItem> filter,
            boolean allCells) {
        this.response = response;
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
        SseConnection c = new SseConnection(response, encoder, filter, allCells);
        response.setStatusCode(200).putHeader(CONTENT_TYPE, EVENT_STREAM).setChunked(true);
        response.closeHandler(v -> c.close());
        response.exceptionHandler(e -> c.close());
        response.drainHandler(v -> c.requestNext());
        response.write(Buffer.buffer()); // the headers now: the client sees 200 before the first event
        FlowBatches.of(subscribe, task -> context.runOnContext(v -> task.run()), BATCH).subscribe().withSubscriber(c);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            awaiting = true;
            s.request(1);
        }
    }

    @Override
    public void onItem(List<StreamItem> batch) {
        awaiting = false;
        if (closed) {
            return;
        }
        ByteBuf frames = encoder.encodeForWrite(batch, filter, allCells);
        if (frames != null) {
            write(frames);
        }
        requestNext();
    }

    /**
     * Writes pooled frames and releases them once written (or failed). Vert.x hands a buffer that is not its own to
     * Netty as unreleasable, so the release is ours.
     */
    private void write(ByteBuf frames) {
        try {
            response.write(Buffer.buffer(frames), written -> frames.release());
        } catch (RuntimeException e) { // refused before it was queued (the response ended meanwhile)
            ReferenceCountUtil.safeRelease(frames);
            throw e;
        }
    }

    /** The next batch, unless the socket is backed up (the drain handler calls again then). */
    private void requestNext() {
        if (closed || subscription == null || awaiting) {
            return;
        }
        if (response.closed()) {
            close();
        } else if (!response.writeQueueFull()) {
            awaiting = true;
            subscription.request(1);
        }
    }

    @Override
    public void onCompletion() {
        if (!closed) {
            closed = true;
            response.end();
        }
    }

    @Override
    public void onFailure(Throwable failure) {
        close();
        response.reset();
    }

    private void close() {
        if (!closed) {
            closed = true;
            if (subscription != null) {
                subscription.cancel();
            }
        }
    }
}
