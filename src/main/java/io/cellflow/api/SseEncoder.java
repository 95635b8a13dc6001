package io.cellflow.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cellflow.flow.NetworkFlowDecision;
import io.cellflow.monitor.StreamItem;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Predicate;

/**
 * Writes stream items as Server-Sent Events frames, a whole batch into one buffer: a flow is {@code id:SEQUENCE}
 * (all-cells stream: {@code id:CELL:SEQUENCE}), {@code event:KIND}, {@code data:} one NetworkFlowDecision and a blank
 * line; a {@code lost} notice has no id and {@code data:{"missed":N,"cause":"..."}}; a heartbeat is the comment
 * {@code :heartbeat}. The JSON comes from the application's ObjectMapper (snake_case, absent fields omitted), one
 * generator per batch straight into the buffer: no String per event. Thread-safe.
 */
@Singleton
class SseEncoder {
    private final ObjectWriter decisions;

    SseEncoder(ObjectMapper json) {
        // one line per data: field, and no flush to the buffer after every event
        this.decisions = json.writerFor(NetworkFlowDecision.class).without(SerializationFeature.INDENT_OUTPUT)
                .without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    }

    /**
     * @param filter which flows to write; notices and heartbeats always pass
     * @param allCells whether ids carry the cell ({@code CELL:SEQUENCE})
     * @return the frames, or null when no item passed the filter
     */
    Buffer encode(List<StreamItem> items, Predicate<StreamItem> filter, boolean allCells) {
        Buffer buffer = Buffer.buffer(Math.min(items.size() * 512, 1 << 18));
        try (JsonGenerator g = decisions.createGenerator(new BufferOutput(buffer))) {
            g.setRootValueSeparator(null); // frames, not a sequence of JSON values
            for (StreamItem item : items) {
                if (filter.test(item)) {
                    write(g, item, allCells);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("encoding into memory failed", e);
        }
        return buffer.length() == 0 ? null : buffer;
    }

    private void write(JsonGenerator g, StreamItem item, boolean allCells) throws IOException {
        if (item instanceof StreamItem.Flow f) {
            g.writeRaw("id:");
            if (allCells) {
                g.writeRaw(f.decision().cellId());
                g.writeRaw(':');
            }
            g.writeRaw(Long.toString(f.sequence()));
            g.writeRaw("\nevent:");
            g.writeRaw(f.kind().sseName());
            g.writeRaw("\ndata:");
            decisions.writeValue(g, f.decision());
            g.writeRaw("\n\n");
        } else if (item instanceof StreamItem.Lost lost) {
            g.writeRaw("event:lost\ndata:");
            g.writeStartObject();
            g.writeNumberField("missed", lost.missed());
            g.writeStringField("cause", lost.cause());
            g.writeEndObject();
            g.writeRaw("\n\n");
        } else {
            g.writeRaw(":heartbeat\n\n");
        }
    }

    /** The generator's sink: appends to a Vert.x buffer; closing it does nothing. */
    private static final class BufferOutput extends OutputStream {
        private final Buffer buffer;

        BufferOutput(Buffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void write(int b) {
            buffer.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buffer.appendBytes(b, off, len);
        }
    }
}
