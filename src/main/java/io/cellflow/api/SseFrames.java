package io.cellflow.api;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.IpText;
import io.cellflow.flow.NetworkFlowDecision;
import io.cellflow.flow.Protocols;
import io.cellflow.monitor.FlowStamp;
import io.cellflow.monitor.StreamItem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One batch of SSE frames written straight into a byte array: the hot path of every stream (a quarter of the
 * service's CPU went to Jackson's generator here at the generator's max rate). The bytes are the application's
 * ObjectMapper's (SseEncoder checks that against the mapper before it uses this writer; SseEncoderTest compares
 * both on random decisions): field names are constants, numbers plain decimals, and a string made only of the
 * characters the mapper writes unchanged is copied as it is; any other string goes through the mapper's own
 * encoder ({@code quote}).
 *
 * <p>Most of a decision is the same for every event of a monitor run (schema version, cell, run, reason code,
 * protocol, policy digest, keys, correlation id): those fields are the same String objects event after event, so
 * each keeps its last encoded bytes and an identical reference is one array copy. Not thread-safe: SseEncoder
 * keeps one per thread, reused batch after batch ({@link #reset}).
 */
final class SseFrames {
    /** A batch of SseConnection.BATCH decisions is about 230 KB with IPv4 addresses (~450 bytes a frame). */
    private static final int INITIAL = 64 << 10, MAX_KEPT = 1 << 20;
    /** Netty's io.netty.allocator.maxCachedBufferCapacity, by default. */
    static final int PIECE = 32 << 10;

    private static final byte[] ID = ascii("id:");
    private static final byte[] END = ascii("\n\n");
    private static final byte[] LOST = ascii("event:lost\ndata:{\"missed\":");
    private static final byte[] CAUSE = ascii(",\"cause\":");
    private static final byte[] LOST_END = ascii("}\n\n");
    private static final byte[] HEARTBEAT = ascii(":heartbeat\n\n");
    private static final byte[] NULL = ascii("null");
    private static final int DECISIONS = Decision.values().length;
    /** {@code \nevent:KIND\ndata:} per FlowKind. */
    private static final byte[][] KIND_LINES = kindLines();

    /** Field slots, in NetworkFlowDecision's @JsonPropertyOrder; the string ones also index the caches. */
    private static final int SCHEMA_VERSION = 0, CELL_ID = 1, RUN_ID = 2, DECISION_ID = 3, DIRECTION = 4,
            DECISION = 5, REASON_CODE = 6, NFT_RULE_REF = 7, SRC_ADDR = 8, DST_ADDR = 9, PROTOCOL = 10,
            POLICY_DIGEST = 11, KEYSET_ID = 12, ISSUER_KID = 13, CORRELATION_ID = 14, OBSERVED_AT = 15,
            STRING_SLOTS = 16;
    /** {@code "name":} per string slot, and the numeric fields'. */
    private static final byte[][] NAMES = names("schema_version", "cell_id", "run_id", "decision_id", "direction",
            "decision", "reason_code", "nft_rule_ref", "src_addr", "dst_addr", "protocol", "policy_digest",
            "keyset_id", "issuer_kid", "correlation_id", "observed_at");
    private static final byte[] SRC_PORT = name("src_port"), DST_PORT = name("dst_port"),
            PACKET_COUNT = name("packet_count"), BYTE_COUNT = name("byte_count");

    private final boolean[] plain;
    private final boolean eventsDirect;
    private final Function<String, byte[]> quote;
    private String lastPrefix;
    private byte[] lastPrefixBytes;
    /** What every event of {@link #cachedStamp} shares, see {@link #cache}. */
    private FlowStamp cachedStamp;
    private byte[] head;
    private byte[] tail;
    /** Direction, decision and reason code per direction and decision, of {@link #cachedStamp}. */
    private final byte[][] verdicts = new byte[Direction.values().length * DECISIONS][];
    private final String[] lastValue = new String[STRING_SLOTS];
    private final byte[][] lastBytes = new byte[STRING_SLOTS][];
    private byte[] buf;
    private int len;
    private boolean firstField;

    /**
     * @param plain per ASCII character: whether the mapper writes it inside a string as it is
     * @param quote the mapper's encoding of a string value, quotes included
     */
    SseFrames(boolean[] plain, Function<String, byte[]> quote) {
        this.plain = plain;
        this.eventsDirect = allPlain(plain, FORMATTED);
        this.quote = quote;
        this.buf = new byte[INITIAL];
    }

    /**
     * Starts the next batch. The array and the caches stay: a new array per batch was a quarter-megabyte the JVM
     * zeroed first, 13 % of the event loop's CPU at the generator's max rate (async-profiler).
     */
    void reset() {
        len = 0;
        if (buf.length > MAX_KEPT) { // one outsized batch does not pin its array for good
            buf = new byte[INITIAL];
        }
    }

    /** A copy of the frames so far, or null when there are none. */
    Buffer toBuffer() {
        return len == 0 ? null : Buffer.buffer(Arrays.copyOf(buf, len));
    }

    /**
     * The frames so far in direct buffers from {@code alloc}, pieces of at most {@value #PIECE} bytes (the sizes
     * Netty's pooled allocator keeps in its per-thread cache: one buffer the size of a batch took a new chunk of
     * the arena, zeroed, and freed it again, every batch), or null when there are none. The caller owns the
     * result and releases it.
     */
    ByteBuf toDirect(ByteBufAllocator alloc) {
        if (len == 0) {
            return null;
        }
        if (len <= PIECE) {
            return alloc.directBuffer(len, len).writeBytes(buf, 0, len);
        }
        CompositeByteBuf frames = alloc.compositeDirectBuffer((len + PIECE - 1) / PIECE);
        try {
            for (int from = 0; from < len; from += PIECE) {
                int n = Math.min(PIECE, len - from);
                frames.addComponent(true, alloc.directBuffer(n, n).writeBytes(buf, from, n));
            }
        } catch (RuntimeException e) {
            frames.release();
            throw e;
        }
        return frames;
    }

    void flow(StreamItem.Flow f, boolean allCells) {
        boolean fromEvent = eventsDirect && f.event() != null && plainPrefix(f.stamp().decisionPrefix());
        put(ID);
        if (allCells) {
            string(fromEvent ? f.stamp().mapper().cellId() : f.decision().cellId());
            put((byte) ':');
        }
        decimal(f.sequence());
        put(KIND_LINES[f.kind().ordinal()]);
        if (fromEvent) {
            decision(f.sequence(), f.event(), f.stamp());
        } else {
            decision(f.decision());
        }
        put(END);
    }

    /** Whether a decision-id prefix is all plain characters (then its bytes are kept for the next event). */
    private boolean plainPrefix(String prefix) {
        if (prefix != lastPrefix) {
            lastPrefix = prefix;
            lastPrefixBytes = null;
            for (int i = 0; i < prefix.length(); i++) {
                char c = prefix.charAt(i);
                if (c >= 128 || !plain[c]) {
                    return false;
                }
            }
            lastPrefixBytes = prefix.getBytes(StandardCharsets.US_ASCII);
        }
        return lastPrefixBytes != null;
    }

    void lost(StreamItem.Lost lost) {
        put(LOST);
        decimal(lost.missed());
        put(CAUSE);
        quoted(lost.cause());
        put(LOST_END);
    }

    void heartbeat() {
        put(HEARTBEAT);
    }

    /** NetworkFlowDecision's JSON: null fields left out except protocol. */
    private void decision(NetworkFlowDecision d) {
        put((byte) '{');
        firstField = true;
        field(SCHEMA_VERSION, d.schemaVersion(), true);
        field(CELL_ID, d.cellId(), true);
        field(RUN_ID, d.runId(), true);
        field(DECISION_ID, d.decisionId(), false);
        field(DIRECTION, d.direction() == null ? null : d.direction().json(), true);
        field(DECISION, d.decision() == null ? null : d.decision().json(), true);
        field(REASON_CODE, d.reasonCode(), true);
        field(NFT_RULE_REF, d.nftRuleRef(), false);
        field(SRC_ADDR, d.srcAddr(), false);
        if (d.srcPort() != null) {
            number(SRC_PORT, d.srcPort());
        }
        field(DST_ADDR, d.dstAddr(), false);
        if (d.dstPort() != null) {
            number(DST_PORT, d.dstPort());
        }
        if (d.protocol() == null) {
            name(NAMES[PROTOCOL]);
            put(NULL);
        } else {
            field(PROTOCOL, d.protocol(), true);
        }
        if (d.packetCount() != null) {
            number(PACKET_COUNT, d.packetCount());
        }
        if (d.byteCount() != null) {
            number(BYTE_COUNT, d.byteCount());
        }
        field(POLICY_DIGEST, d.policyDigest(), true);
        field(KEYSET_ID, d.keysetId(), true);
        field(ISSUER_KID, d.issuerKid(), true);
        field(CORRELATION_ID, d.correlationId(), true);
        field(OBSERVED_AT, d.observedAt(), false);
        put((byte) '}');
    }

    /**
     * The decision {@link FlowStamp#decision} would build for event {@code sequence}, written from the event's
     * fields: the same bytes as {@link #decision(NetworkFlowDecision)} of that decision (SseEncoderTest compares
     * them), with addresses, {@code decision_id} and {@code observed_at} formatted into the buffer. Only when every
     * character those three can hold is plain (see the constructor) and the prefix is.
     */
    private void decision(long sequence, FlowEvent e, FlowStamp stamp) {
        if (stamp != cachedStamp) {
            cache(stamp);
        }
        FlowDecisionMapper m = stamp.mapper();
        put(head); // {"schema_version":..,"cell_id":..,"run_id":..,"decision_id":"PREFIX-
        decimal(sequence);
        put((byte) '"');
        firstField = false;
        if (e.direction() != null && e.decision() != null) {
            int v = e.direction().ordinal() * DECISIONS + e.decision().ordinal();
            if (verdicts[v] == null) {
                int from = len;
                verdict(e, m);
                verdicts[v] = Arrays.copyOfRange(buf, from, len);
            } else {
                put(verdicts[v]);
            }
        } else {
            verdict(e, m);
        }
        if (e.decision() == Decision.DENY) {
            field(NFT_RULE_REF, FlowDecisionMapper.ruleRef(e), false);
        }
        boolean ports = Protocols.hasPorts(e.protocol());
        name(NAMES[SRC_ADDR]);
        address(e.srcHi(), e.srcLo());
        if (ports && e.srcPort() >= 0) {
            number(SRC_PORT, e.srcPort());
        }
        name(NAMES[DST_ADDR]);
        address(e.dstHi(), e.dstLo());
        if (ports && e.dstPort() >= 0) {
            number(DST_PORT, e.dstPort());
        }
        String protocol = Protocols.name(e.protocol());
        if (protocol == null) {
            name(NAMES[PROTOCOL]);
            put(NULL);
        } else {
            field(PROTOCOL, protocol, true);
        }
        if (e.packets() >= 0) {
            number(PACKET_COUNT, e.packets());
        }
        if (e.bytes() >= 0) {
            number(BYTE_COUNT, e.bytes());
        }
        put(tail); // ,"policy_digest":..,"keyset_id":..,"issuer_kid":..,"correlation_id":..,"observed_at":"
        ensure(FlowDecisionMapper.OBSERVED_AT_MAX + 2);
        len = m.writeObservedAt(e.monotonicNanos(), buf, len);
        buf[len++] = '"';
        buf[len++] = '}';
    }

    /** The direction, decision and reason code of an event (the same few values for every event of a run). */
    private void verdict(FlowEvent e, FlowDecisionMapper m) {
        field(DIRECTION, e.direction() == null ? null : e.direction().json(), true);
        field(DECISION, e.decision() == null ? null : e.decision().json(), true);
        field(REASON_CODE, m.reasonCode(e.decision()), true);
    }

    /**
     * The bytes every event of {@code stamp} shares, written once with the same field writers: the head up to the
     * decision id's sequence and the tail from the policy digest to the opening quote of observed_at (a decision
     * id and a source address always come between and after them, so the commas are the same in every event).
     */
    private void cache(FlowStamp stamp) {
        FlowDecisionMapper m = stamp.mapper();
        int from = len;
        put((byte) '{');
        firstField = true;
        field(SCHEMA_VERSION, NetworkFlowDecision.SCHEMA_VERSION, true);
        field(CELL_ID, m.cellId(), true);
        field(RUN_ID, m.runId(), true);
        name(NAMES[DECISION_ID]);
        put((byte) '"');
        put(lastPrefixBytes);
        put((byte) '-');
        head = Arrays.copyOfRange(buf, from, len);
        from = len;
        firstField = false;
        field(POLICY_DIGEST, stamp.policyDigest(), true);
        field(KEYSET_ID, m.keysetId(), true);
        field(ISSUER_KID, m.issuerKid(), true);
        field(CORRELATION_ID, m.correlationId(), true);
        name(NAMES[OBSERVED_AT]);
        put((byte) '"');
        tail = Arrays.copyOfRange(buf, from, len);
        len = from - head.length; // nothing of it stays in the frames
        Arrays.fill(verdicts, null);
        cachedStamp = stamp;
    }

    private void address(long hi, long lo) {
        ensure(IpText.MAX_LENGTH + 2);
        buf[len++] = '"';
        len = IpText.writeTo(hi, lo, buf, len);
        buf[len++] = '"';
    }

    /** @param steady the same String object event after event: keep its bytes for the next one */
    private void field(int slot, String value, boolean steady) {
        if (value == null) {
            return;
        }
        name(NAMES[slot]);
        if (value == lastValue[slot]) {
            put(lastBytes[slot]);
            return;
        }
        int from = len;
        quoted(value);
        if (steady) {
            lastValue[slot] = value;
            lastBytes[slot] = java.util.Arrays.copyOfRange(buf, from, len);
        }
    }

    private void name(byte[] name) {
        if (firstField) {
            firstField = false;
        } else {
            put((byte) ',');
        }
        put(name);
    }

    private void number(byte[] name, long value) {
        name(name);
        decimal(value);
    }

    /** A JSON string: copied when every character is plain, else the mapper's encoding. */
    private void quoted(String s) {
        int n = s.length();
        ensure(n + 2);
        int start = len;
        byte[] b = buf;
        int p = start;
        b[p++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !plain[c]) {
                len = start;
                put(quote.apply(s));
                return;
            }
            b[p++] = (byte) c;
        }
        b[p++] = '"';
        len = p;
    }

    /** Text on a frame line, as it is (an event name, a cell id): UTF-8, as the generator's writeRaw wrote it. */
    private void string(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 128) { // not from MonitorInputs' pattern or a FlowKind: the general case
                len -= i;
                put(s.getBytes(StandardCharsets.UTF_8));
                return;
            }
            buf[len++] = (byte) c;
        }
    }

    private void decimal(long v) {
        ensure(20);
        if (v >= 0 && v <= Integer.MAX_VALUE) { // sequences, ports, counts: int arithmetic, two digits a step
            len = positive((int) v, buf, len);
            return;
        }
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                put(ascii(Long.toString(v)));
                return;
            }
            buf[len++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        int p = len + digits;
        len = p;
        do {
            buf[--p] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
    }

    /** Writes {@code v} (not negative) in decimal at {@code pos}; returns the end. */
    private static int positive(int v, byte[] b, int pos) {
        int n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6
                : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
        int end = pos + n;
        int p = end;
        while (v >= 100) {
            int q = v / 100;
            int r = v - q * 100;
            b[--p] = (byte) ('0' + r % 10);
            b[--p] = (byte) ('0' + r / 10);
            v = q;
        }
        if (v >= 10) {
            b[--p] = (byte) ('0' + v % 10);
            b[--p] = (byte) ('0' + v / 10);
        } else {
            b[--p] = (byte) ('0' + v);
        }
        return end;
    }

    private void put(byte b) {
        ensure(1);
        buf[len++] = b;
    }

    private void put(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }

    /** Every character of a formatted address (IPv4, IPv6 hex) or observed_at, and the decision id's dash. */
    private static final String FORMATTED = "0123456789abcdef.:-TZ";

    /** Whether the mapper writes every character of {@code chars} inside a string as it is. */
    static boolean allPlain(boolean[] plain, String chars) {
        for (int i = 0; i < chars.length(); i++) {
            if (!plain[chars.charAt(i)]) {
                return false;
            }
        }
        return true;
    }

    private static byte[][] kindLines() {
        FlowKind[] kinds = FlowKind.values();
        byte[][] out = new byte[kinds.length][];
        for (FlowKind k : kinds) {
            out[k.ordinal()] = ("\nevent:" + k.sseName() + "\ndata:").getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] name(String name) {
        return ascii("\"" + name + "\":");
    }

    private static byte[][] names(String... names) {
        byte[][] out = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            out[i] = name(names[i]);
        }
        return out;
    }
}
