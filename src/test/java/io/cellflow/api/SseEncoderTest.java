package io.cellflow.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.IpAddr;
import io.cellflow.flow.MonotonicClock;
import io.cellflow.flow.Protocols;
import io.cellflow.monitor.FlowStamp;
import io.cellflow.flow.NetworkFlowDecision;
import io.cellflow.monitor.StreamItem;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frames on the wire, byte for byte: what the JAX-RS SSE writer produced before, now one buffer per batch. */
class SseEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private final SseEncoder encoder = new SseEncoder(JSON);

    static NetworkFlowDecision decision(String cell, Integer port, String protocol) {
        return new NetworkFlowDecision("1.0.0", cell, "run-1", "d-1", Direction.EGRESS, Decision.ALLOW, "ebpf_tc", null,
                "198.18.0.1", port, "2001:db8::1", 53, protocol, 1L, 60L, null, null, null, "c\u00e9ll \"q\"",
                "2026-01-01T00:00:00.000000001Z");
    }

    private String encode(List<StreamItem> items, boolean allCells) {
        return encoder.encode(items, item -> true, allCells).toString(StandardCharsets.UTF_8);
    }

    @Test
    void framesAreIdEventDataAndABlankLineWithTheApplicationsJson() throws Exception {
        NetworkFlowDecision a = decision("c-1", 4000, "udp");
        NetworkFlowDecision b = decision("c-1", null, null); // absent port omitted, unnamed protocol kept as null
        List<StreamItem> items = List.of(new StreamItem.Flow(7, FlowKind.OPENED, a),
                new StreamItem.Lost(3, StreamItem.Lost.SLOW_CLIENT), StreamItem.Heartbeat.INSTANCE,
                new StreamItem.Flow(11, FlowKind.CLOSED, b));
        assertEquals("id:7\nevent:flow.opened\ndata:" + JSON.writeValueAsString(a) + "\n\n"
                + "event:lost\ndata:{\"missed\":3,\"cause\":\"slow_client\"}\n\n"
                + ":heartbeat\n\n"
                + "id:11\nevent:flow.closed\ndata:" + JSON.writeValueAsString(b) + "\n\n", encode(items, false));
        assertEquals("id:c-1:7\nevent:flow.opened\ndata:" + JSON.writeValueAsString(a) + "\n\n",
                encode(List.of(items.get(0)), true));
    }

    @Test
    void filteredItemsAreLeftOutAndAnEmptyBatchIsNoBuffer() {
        FlowFilter udp = FlowFilter.of(null, null, "udp", null, null, null);
        StreamItem tcp = new StreamItem.Flow(1, FlowKind.OPENED, decision("c", 1, "tcp"));
        assertNull(encoder.encode(List.of(tcp), udp, false));
        assertEquals(":heartbeat\n\n", encoder.encode(List.of(tcp, StreamItem.Heartbeat.INSTANCE), udp, false)
                .toString(StandardCharsets.UTF_8));
    }

    @Test
    void aLargeBatchIsOneBufferOfWholeFrames() {
        List<StreamItem> items = new java.util.ArrayList<>();
        for (int i = 1; i <= SseConnection.BATCH; i++) {
            items.add(new StreamItem.Flow(i, FlowKind.UPDATED, decision("c", i, "udp")));
        }
        String out = encode(items, false);
        assertEquals(SseConnection.BATCH, out.split("\n\n", -1).length - 1);
        assertEquals(SseConnection.BATCH, out.lines().filter(l -> l.startsWith("data:{")).count());
    }

    @Test
    void theStreamingWriterMakesTheObjectMappersBytesWhateverIsAbsent() throws Exception {
        java.util.Random r = new java.util.Random(42);
        String[] texts = {null, "", "a", "c\u00e9ll \"q\"\n\t\u0001", "198.18.0.1", "\ud83d\ude00"};
        for (int i = 0; i < 2000; i++) {
            NetworkFlowDecision d = new NetworkFlowDecision(pick(r, texts), pick(r, texts), pick(r, texts),
                    pick(r, texts), r.nextBoolean() ? null : Direction.values()[r.nextInt(Direction.values().length)],
                    r.nextBoolean() ? null : Decision.values()[r.nextInt(Decision.values().length)], pick(r, texts),
                    pick(r, texts), pick(r, texts), r.nextBoolean() ? null : r.nextInt(65536), pick(r, texts),
                    r.nextBoolean() ? null : r.nextInt(), pick(r, texts), r.nextBoolean() ? null : r.nextLong(),
                    r.nextBoolean() ? null : Long.MAX_VALUE, pick(r, texts), pick(r, texts), pick(r, texts),
                    pick(r, texts), pick(r, texts));
            java.io.StringWriter out = new java.io.StringWriter();
            try (com.fasterxml.jackson.core.JsonGenerator g = JSON.getFactory().createGenerator(out)) {
                SseEncoder.writeDecision(g, d);
            }
            assertEquals(JSON.writeValueAsString(d), out.toString(), d.toString());
        }
    }

    @Test
    void theDirectWriterMakesTheObjectMappersBytesForRandomDecisions() throws Exception {
        assertTrue(encoder.direct());
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            NetworkFlowDecision d = randomDecision(r);
            long seq = r.nextBoolean() ? r.nextInt(1000) : r.nextLong();
            FlowKind kind = FlowKind.values()[r.nextInt(FlowKind.values().length)];
            String expected = "id:" + seq + "\nevent:" + kind.sseName() + "\ndata:" + bytes(JSON, d) + "\n\n";
            List<StreamItem> items = List.of(new StreamItem.Flow(seq, kind, d));
            assertEquals(expected, encode(items, false), d.toString());
            assertEquals(encoder.encodeWithGenerator(items, item -> true, false), encoder.encode(items, item -> true,
                    false));
        }
    }

    @Test
    void constantFieldsAreWrittenAgainForEveryEventOfABatch() throws Exception {
        NetworkFlowDecision a = decision("c-1", 1, "udp");
        NetworkFlowDecision b = new NetworkFlowDecision("1.0.0", "c-1", "run-2", "d-2", Direction.INGRESS,
                Decision.DENY, "ebpf_tc_drop", "rule:2", "198.18.0.2", 2, "198.18.0.3", 3, "tcp", 2L, 120L, "sha256:x",
                null, null, a.correlationId(), a.observedAt());
        List<StreamItem> items = List.of(new StreamItem.Flow(1, FlowKind.OPENED, a),
                new StreamItem.Flow(2, FlowKind.OPENED, b), new StreamItem.Flow(3, FlowKind.UPDATED, a));
        assertEquals("id:1\nevent:flow.opened\ndata:" + JSON.writeValueAsString(a) + "\n\n"
                + "id:2\nevent:flow.opened\ndata:" + JSON.writeValueAsString(b) + "\n\n"
                + "id:3\nevent:flow.updated\ndata:" + JSON.writeValueAsString(a) + "\n\n", encode(items, false));
    }

    @Test
    void aMapperThatEscapesMoreStillGetsItsOwnBytes() throws Exception {
        ObjectMapper ascii = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .configure(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature(), true);
        ObjectMapper quotedNumbers = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .configure(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NUMBERS_AS_STRINGS.mappedFeature(),
                        true);
        SseEncoder escaping = new SseEncoder(ascii);
        SseEncoder quoting = new SseEncoder(quotedNumbers);
        assertTrue(escaping.direct()); // non-ASCII text goes through the mapper's quoting anyway
        assertFalse(quoting.direct()); // numbers are not what the direct writer writes: the generator does it all
        java.util.Random r = new java.util.Random(11);
        for (int i = 0; i < 500; i++) {
            NetworkFlowDecision d = randomDecision(r);
            List<StreamItem> items = List.of(new StreamItem.Flow(i, FlowKind.CLOSED, d));
            assertEquals("id:" + i + "\nevent:flow.closed\ndata:" + bytes(ascii, d) + "\n\n",
                    escaping.encode(items, item -> true, false).toString(StandardCharsets.UTF_8));
            assertEquals("id:" + i + "\nevent:flow.closed\ndata:" + bytes(quotedNumbers, d) + "\n\n",
                    quoting.encode(items, item -> true, false).toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aPublishedEventIsWrittenAsTheDecisionItsStampBuilds() throws Exception {
        java.util.Random r = new java.util.Random(5);
        MonotonicClock clock = new MonotonicClock();
        String[] texts = {null, "c-1", "c\u00e9ll \"q\"\n", "k-1"};
        String[] digests = {null, "sha256:ab", "d\u00e9"};
        String[] prefixes = {"6f1c2a9e-1b2c-4d3e-8f9a-0b1c2d3e4f5a", "pr\u00e9fixe", "p\"q"};
        int[] protocols = {Protocols.TCP, Protocols.UDP, Protocols.ICMP, Protocols.ICMPV6, 132, 0};
        for (int i = 0; i < 3000; i++) {
            FlowDecisionMapper mapper = new FlowDecisionMapper(r.nextBoolean() ? "c-1" : "c\u00e9ll", "run-" + i % 3,
                    pick(r, texts), pick(r, texts), pick(r, texts), "ebpf_tc", "ebpf_tc_drop", () -> null, clock);
            FlowStamp stamp = new FlowStamp(mapper, prefixes[r.nextInt(prefixes.length)], pick(r, digests));
            boolean v4 = r.nextBoolean();
            long srcHi = v4 ? 0 : r.nextLong(), dstHi = v4 ? 0 : (r.nextBoolean() ? 0x20010db800000000L : 0);
            long srcLo = v4 ? IpAddr.v4Lo(r.nextInt()) : r.nextLong(), dstLo = v4 ? IpAddr.v4Lo(r.nextInt())
                    : (r.nextBoolean() ? 1 : IpAddr.v4Lo(r.nextInt()));
            FlowEvent e = new FlowEvent(FlowKind.values()[r.nextInt(FlowKind.values().length)],
                    Direction.values()[r.nextInt(Direction.values().length)],
                    Decision.values()[r.nextInt(Decision.values().length)], srcHi, srcLo,
                    r.nextInt(5) == 0 ? -1 : r.nextInt(65536), dstHi, dstLo, r.nextInt(5) == 0 ? -1 : r.nextInt(65536),
                    protocols[r.nextInt(protocols.length)], r.nextInt(256), r.nextInt(5) == 0 ? -1 : r.nextInt(1000),
                    r.nextInt(5) == 0 ? -1 : r.nextLong() >>> 1, System.nanoTime() - r.nextInt(1_000_000_000)
                            / (r.nextBoolean() ? 1 : 1000) * (r.nextBoolean() ? 1 : 1000),
                    0, r.nextInt(3));
            long seq = 1 + r.nextInt(1 << 20);
            StreamItem.Flow published = new StreamItem.Flow(seq, e, stamp);
            StreamItem.Flow built = new StreamItem.Flow(seq, e.kind(), stamp.decision(seq, e));
            for (boolean allCells : new boolean[] {false, true}) {
                assertEquals(encode(List.of(built), allCells), encode(List.of(published), allCells),
                        built.decision().toString());
            }
            assertEquals(built.decision(), published.decision());
            assertEquals(built.direction(), published.direction());
        }
    }

    @Test
    void aBatchOfPublishedEventsOfAFewRunsIsTheirDecisionsFrames() {
        java.util.Random r = new java.util.Random(9);
        MonotonicClock clock = new MonotonicClock();
        List<FlowStamp> stamps = List.of(
                new FlowStamp(new FlowDecisionMapper("c-1", "run-1", "corr", "ebpf_tc", clock), "p1", null),
                new FlowStamp(new FlowDecisionMapper("c-1", "run-1", "corr", "ebpf_tc", clock), "p1", "sha256:1"),
                new FlowStamp(new FlowDecisionMapper("c-2", "run-2", null, "k", "kid", "ebpf_tc", "ebpf_tc_drop",
                        () -> null, clock), "p2", "sha256:2"));
        List<StreamItem> published = new java.util.ArrayList<>();
        List<StreamItem> built = new java.util.ArrayList<>();
        for (int i = 1; i <= 2000; i++) {
            FlowStamp stamp = stamps.get(r.nextInt(10) == 0 ? r.nextInt(stamps.size()) : 0); // mostly runs of one
            FlowEvent e = new FlowEvent(FlowKind.values()[r.nextInt(FlowKind.values().length)],
                    Direction.values()[r.nextInt(Direction.values().length)],
                    Decision.values()[r.nextInt(Decision.values().length)], 0, IpAddr.v4Lo(r.nextInt()),
                    r.nextInt(65536), 0, IpAddr.v4Lo(r.nextInt()), r.nextInt(65536), Protocols.UDP, 0, r.nextInt(9),
                    r.nextInt(9999), System.nanoTime(), 0, r.nextInt(3));
            published.add(new StreamItem.Flow(i, e, stamp));
            built.add(new StreamItem.Flow(i, e.kind(), stamp.decision(i, e)));
            if (i % 97 == 0) {
                published.add(new StreamItem.Lost(i, StreamItem.Lost.SLOW_CLIENT));
                built.add(new StreamItem.Lost(i, StreamItem.Lost.SLOW_CLIENT));
            }
        }
        for (boolean allCells : new boolean[] {false, true}) {
            assertEquals(encode(built, allCells), encode(published, allCells));
        }
    }

    @Test
    void numbersAtEveryDigitCountAreTheMappersDecimals() throws Exception {
        List<Long> values = new java.util.ArrayList<>(List.of(0L, (long) Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
                -1L, (long) Integer.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE));
        for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10; p *= 10) {
            values.addAll(List.of(p - 1, p, p + 1, 10 * p - 1));
        }
        for (long v : values) {
            NetworkFlowDecision d = new NetworkFlowDecision("1.0.0", "c", "r", "d", Direction.EGRESS, Decision.ALLOW,
                    "ebpf_tc", null, "198.18.0.1", (int) v, "198.18.0.2", 53, "udp", v, v, null, null, null, null,
                    "2026-01-01T00:00:00Z");
            assertEquals("id:" + v + "\nevent:flow.opened\ndata:" + bytes(JSON, d) + "\n\n",
                    encode(List.of(new StreamItem.Flow(v, FlowKind.OPENED, d)), false), Long.toString(v));
        }
    }

    @Test
    void filtersSeeAPublishedEventAsItsDecision() {
        java.util.Random r = new java.util.Random(3);
        MonotonicClock clock = new MonotonicClock();
        FlowStamp stamp = new FlowStamp(new FlowDecisionMapper("c", "run", null, "ebpf_tc", clock), "p", null);
        List<FlowFilter> filters = List.of(FlowFilter.of(null, "egress", null, null, null, null),
                FlowFilter.of(null, null, "udp", null, null, null), FlowFilter.of(null, null, "icmp", null, null, null),
                FlowFilter.of(null, null, null, "53", null, null), FlowFilter.of(null, null, null, "0", null, null),
                FlowFilter.of(null, null, null, null, "deny", null),
                FlowFilter.of(null, null, null, null, null, "flow.closed"),
                FlowFilter.of(null, "ingress", "tcp", "80", "allow", "flow.opened"));
        int[] protocols = {Protocols.TCP, Protocols.UDP, Protocols.ICMP, 132};
        int[] ports = {-1, 0, 53, 80, 4000};
        for (int i = 0; i < 2000; i++) {
            FlowEvent e = new FlowEvent(FlowKind.values()[r.nextInt(FlowKind.values().length)],
                    Direction.values()[r.nextInt(Direction.values().length)],
                    Decision.values()[r.nextInt(Decision.values().length)], 0, IpAddr.v4Lo(r.nextInt()),
                    ports[r.nextInt(ports.length)], 0, IpAddr.v4Lo(r.nextInt()), ports[r.nextInt(ports.length)],
                    protocols[r.nextInt(protocols.length)], 0, 1, 60, System.nanoTime(), 0, 0);
            StreamItem.Flow published = new StreamItem.Flow(i, e, stamp);
            StreamItem.Flow built = new StreamItem.Flow(i, e.kind(), stamp.decision(i, e));
            for (FlowFilter f : filters) {
                assertEquals(f.test(built), f.test(published), f + " " + e);
            }
        }
    }

    /**
     * The mapper's bytes on a byte sink, as the wire had them from the generator: UTF-8 output escapes a surrogate
     * pair as two {@code \\u} escapes, where writeValueAsString keeps the characters.
     */
    private static String bytes(ObjectMapper mapper, Object value) throws Exception {
        return new String(mapper.writeValueAsBytes(value), StandardCharsets.UTF_8);
    }

    private static NetworkFlowDecision randomDecision(java.util.Random r) {
        String[] texts = {null, "", "a", "c\u00e9ll \"q\"\n\t\u0001", "198.18.0.1", "\ud83d\ude00", "back\\slash/",
            "\u007f\u0080\u07ff\u0800\uffff"};
        return new NetworkFlowDecision(pick(r, texts), pick(r, texts), pick(r, texts), pick(r, texts),
                r.nextBoolean() ? null : Direction.values()[r.nextInt(Direction.values().length)],
                r.nextBoolean() ? null : Decision.values()[r.nextInt(Decision.values().length)], pick(r, texts),
                pick(r, texts), pick(r, texts), r.nextBoolean() ? null : r.nextInt(65536), pick(r, texts),
                r.nextBoolean() ? null : r.nextInt(), pick(r, texts), r.nextBoolean() ? null : r.nextLong(),
                r.nextBoolean() ? null : (r.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE), pick(r, texts),
                pick(r, texts), pick(r, texts), pick(r, texts), pick(r, texts));
    }

    private static String pick(java.util.Random r, String[] texts) {
        return texts[r.nextInt(texts.length)];
    }
}
