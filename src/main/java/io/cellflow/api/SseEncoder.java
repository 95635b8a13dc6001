package io.cellflow.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.NetworkFlowDecision;
import io.cellflow.monitor.StreamItem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.VertxByteBufAllocator;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;

/**
 * Writes stream items as Server-Sent Events frames, a whole batch into one buffer: a flow is {@code id:SEQUENCE}
 * (all-cells stream: {@code id:CELL:SEQUENCE}), {@code event:KIND}, {@code data:} one NetworkFlowDecision and a blank
 * line; a {@code lost} notice has no id and {@code data:{"missed":N,"cause":"..."}}; a heartbeat is the comment
 * {@code :heartbeat}. The bytes of a decision are the application's ObjectMapper's (snake_case, absent fields
 * omitted, {@code protocol} always; SseEncoderTest compares them). No String per event.
 *
 * <p>Two writers make them. {@link SseFrames} writes bytes straight into an array and asks the mapper only for
 * strings with characters it escapes: used when, at start-up, it writes the mapper's bytes for probe decisions.
 * Otherwise (a mapper configured to quote numbers, say) the mapper's own generator writes field by field through
 * the streaming API, still without databind's per-value setup. Thread-safe.
 */
@Singleton
class SseEncoder {
    private final JsonFactory json;
    /** Per ASCII character: written unchanged inside a JSON string by this factory. */
    private final boolean[] plain;
    private final boolean direct;
    /** One frame writer per thread (the event loops), reused batch after batch. */
    private final FastThreadLocal<SseFrames> frames = new FastThreadLocal<>() {
        @Override
        protected SseFrames initialValue() {
            return new SseFrames(plain, SseEncoder.this::quote);
        }
    };

    SseEncoder(ObjectMapper mapper) {
        this.json = mapper.getFactory();
        this.plain = plainCharacters(json);
        this.direct = directWriterMatches(mapper);
    }

    /**
     * @param filter which flows to write; notices and heartbeats always pass
     * @param allCells whether ids carry the cell ({@code CELL:SEQUENCE})
     * @return the frames, or null when no item passed the filter
     */
    Buffer encode(List<StreamItem> items, Predicate<StreamItem> filter, boolean allCells) {
        return direct ? encodeDirect(items, filter, allCells).toBuffer()
                : encodeWithGenerator(items, filter, allCells);
    }

    /**
     * {@link #encode}, into direct buffers of Vert.x's pooled allocator (the one its connections write from): the
     * bytes go to the socket as they are, with no copy into a direct buffer on the way. The caller releases the
     * result once written.
     */
    ByteBuf encodeForWrite(List<StreamItem> items, Predicate<StreamItem> filter, boolean allCells) {
        if (direct) {
            return encodeDirect(items, filter, allCells).toDirect(VertxByteBufAllocator.POOLED_ALLOCATOR);
        }
        Buffer frames = encodeWithGenerator(items, filter, allCells);
        return frames == null ? null : Unpooled.wrappedBuffer(frames.getBytes());
    }

    /** This thread's frame writer, holding {@code items}' frames. */
    private SseFrames encodeDirect(List<StreamItem> items, Predicate<StreamItem> filter, boolean allCells) {
        SseFrames frames = this.frames.get();
        frames.reset();
        for (StreamItem item : items) {
            if (!filter.test(item)) {
                continue;
            }
            if (item instanceof StreamItem.Flow f) {
                frames.flow(f, allCells);
            } else if (item instanceof StreamItem.Lost lost) {
                frames.lost(lost);
            } else {
                frames.heartbeat();
            }
        }
        return frames;
    }

    Buffer encodeWithGenerator(List<StreamItem> items, Predicate<StreamItem> filter, boolean allCells) {
        Buffer buffer = Buffer.buffer(Math.min(items.size() * 512, 1 << 18));
        try (JsonGenerator g = json.createGenerator(new BufferOutput(buffer))) {
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

    /** Whether the direct writer was chosen (see the class comment). */
    boolean direct() {
        return direct;
    }

    /** The factory's bytes for one string value, quotes included. */
    private byte[] quote(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 16);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeString(s);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding into memory failed", e);
        }
        return out.toByteArray();
    }

    private static boolean[] plainCharacters(JsonFactory json) {
        boolean[] plain = new boolean[128];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (char c = 0x20; c < 0x7f; c++) {
            out.reset();
            try (JsonGenerator g = json.createGenerator(out)) {
                g.writeString(String.valueOf(c));
            } catch (IOException e) {
                throw new UncheckedIOException("encoding into memory failed", e);
            }
            byte[] b = out.toByteArray();
            plain[c] = b.length == 3 && b[0] == '"' && b[1] == c && b[2] == '"';
        }
        return plain;
    }

    /**
     * The direct writer against the generator and the mapper, on decisions with every field set and with every
     * optional one absent, next to a notice and a heartbeat.
     */
    private boolean directWriterMatches(ObjectMapper mapper) {
        NetworkFlowDecision full = new NetworkFlowDecision(NetworkFlowDecision.SCHEMA_VERSION, "c-1", "run-1",
                "p-1", Direction.EGRESS, Decision.DENY, "ebpf_tc_drop", "rule:1", "198.18.0.1", 40000, "2001:db8::1",
                53, "udp", 1L, -60L, "sha256:ab", "k-1", "kid-1", "c\u00e9ll \"q\"\n", "2026-01-01T00:00:00.000000001Z");
        NetworkFlowDecision sparse = new NetworkFlowDecision(null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null);
        try {
            for (NetworkFlowDecision d : List.of(full, sparse)) {
                List<StreamItem> items = List.of(new StreamItem.Flow(Long.MAX_VALUE, FlowKind.OPENED, d),
                        new StreamItem.Lost(3, StreamItem.Lost.SLOW_CLIENT), StreamItem.Heartbeat.INSTANCE);
                Buffer direct = encodeDirect(items, item -> true, false).toBuffer();
                String flow = "id:" + Long.MAX_VALUE + "\nevent:flow.opened\ndata:"
                        + new String(mapper.writeValueAsBytes(d), StandardCharsets.UTF_8) + "\n\n";
                if (!direct.equals(encodeWithGenerator(items, item -> true, false))
                        || !direct.toString(StandardCharsets.UTF_8).startsWith(flow)) {
                    return false;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return true;
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
            writeDecision(g, f.decision());
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

    private static final SerializableString SCHEMA_VERSION = new SerializedString("schema_version");
    private static final SerializableString CELL_ID = new SerializedString("cell_id");
    private static final SerializableString RUN_ID = new SerializedString("run_id");
    private static final SerializableString DECISION_ID = new SerializedString("decision_id");
    private static final SerializableString DIRECTION = new SerializedString("direction");
    private static final SerializableString DECISION = new SerializedString("decision");
    private static final SerializableString REASON_CODE = new SerializedString("reason_code");
    private static final SerializableString NFT_RULE_REF = new SerializedString("nft_rule_ref");
    private static final SerializableString SRC_ADDR = new SerializedString("src_addr");
    private static final SerializableString SRC_PORT = new SerializedString("src_port");
    private static final SerializableString DST_ADDR = new SerializedString("dst_addr");
    private static final SerializableString DST_PORT = new SerializedString("dst_port");
    private static final SerializableString PROTOCOL = new SerializedString("protocol");
    private static final SerializableString PACKET_COUNT = new SerializedString("packet_count");
    private static final SerializableString BYTE_COUNT = new SerializedString("byte_count");
    private static final SerializableString POLICY_DIGEST = new SerializedString("policy_digest");
    private static final SerializableString KEYSET_ID = new SerializedString("keyset_id");
    private static final SerializableString ISSUER_KID = new SerializedString("issuer_kid");
    private static final SerializableString CORRELATION_ID = new SerializedString("correlation_id");
    private static final SerializableString OBSERVED_AT = new SerializedString("observed_at");

    /** NetworkFlowDecision's JSON, in its @JsonPropertyOrder; null fields left out except protocol. */
    static void writeDecision(JsonGenerator g, NetworkFlowDecision d) throws IOException {
        g.writeStartObject();
        string(g, SCHEMA_VERSION, d.schemaVersion());
        string(g, CELL_ID, d.cellId());
        string(g, RUN_ID, d.runId());
        string(g, DECISION_ID, d.decisionId());
        string(g, DIRECTION, d.direction() == null ? null : d.direction().json());
        string(g, DECISION, d.decision() == null ? null : d.decision().json());
        string(g, REASON_CODE, d.reasonCode());
        string(g, NFT_RULE_REF, d.nftRuleRef());
        string(g, SRC_ADDR, d.srcAddr());
        if (d.srcPort() != null) {
            g.writeFieldName(SRC_PORT);
            g.writeNumber(d.srcPort().intValue());
        }
        string(g, DST_ADDR, d.dstAddr());
        if (d.dstPort() != null) {
            g.writeFieldName(DST_PORT);
            g.writeNumber(d.dstPort().intValue());
        }
        g.writeFieldName(PROTOCOL);
        if (d.protocol() == null) {
            g.writeNull();
        } else {
            g.writeString(d.protocol());
        }
        if (d.packetCount() != null) {
            g.writeFieldName(PACKET_COUNT);
            g.writeNumber(d.packetCount().longValue());
        }
        if (d.byteCount() != null) {
            g.writeFieldName(BYTE_COUNT);
            g.writeNumber(d.byteCount().longValue());
        }
        string(g, POLICY_DIGEST, d.policyDigest());
        string(g, KEYSET_ID, d.keysetId());
        string(g, ISSUER_KID, d.issuerKid());
        string(g, CORRELATION_ID, d.correlationId());
        string(g, OBSERVED_AT, d.observedAt());
        g.writeEndObject();
    }

    private static void string(JsonGenerator g, SerializableString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
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
