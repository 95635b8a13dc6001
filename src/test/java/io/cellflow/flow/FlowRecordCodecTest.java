package io.cellflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.memory.NativeBytes;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Golden bytes of struct cf_flow_event, written field by field as the kernel lays them out (x86-64: little). */
class FlowRecordCodecTest {

    /** An IPv4 TCP egress record at offset 8 of a larger buffer, with every byte spelled out. */
    static byte[] goldenV4Tcp() {
        ByteBuffer b = ByteBuffer.allocate(8 + 72).order(ByteOrder.LITTLE_ENDIAN);
        b.position(8);
        b.putLong(123_456_789L);           //  0 first_ns
        b.putLong(3);                      //  8 packets
        b.putLong(180);                    // 16 bytes
        b.put(new byte[] {(byte) 198, 18, 0, 1}).put(new byte[12]);  // 24 saddr
        b.put(new byte[] {(byte) 198, 18, 0, 2}).put(new byte[12]);  // 40 daddr
        b.put((byte) 0x9c).put((byte) 0x40); // 56 sport 40000, network order
        b.put((byte) 0x00).put((byte) 0x50); // 58 dport 80
        b.put((byte) 6);                   // 60 proto tcp
        b.put((byte) 1);                   // 61 dir egress
        b.put((byte) 4);                   // 62 family v4
        b.put((byte) 0x12);                // 63 tcp_flags SYN|ACK
        b.put((byte) 1);                   // 64 kind FLOW_NEW
        b.put((byte) 0);                   // 65 decision allow
        b.putShort((short) 7);             // 66 rule_ref
        b.putInt(42);                      // 68 ifindex
        assertEquals(80, b.position());
        return b.array();
    }

    /** {@code length} bytes at {@code offset} of {@code bytes}, in native memory as the ring holds them. */
    static NativeBytes inNativeMemory(ByteBuffer bytes, int offset, int length) {
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.capacity());
        direct.put(0, bytes, 0, bytes.capacity());
        return NativeBytes.over(direct, offset, length);
    }

    static NativeBytes record(ByteBuffer bytes) {
        return inNativeMemory(bytes, 8, 72);
    }

    @Test
    void decodesEveryFieldOfAGoldenRecord() throws Exception {
        ByteBuffer buf = ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN);
        FlowEvent e = FlowRecordCodec.decode(record(buf));
        assertEquals(FlowKind.OPENED, e.kind());
        assertEquals(Direction.EGRESS, e.direction());
        assertEquals(Decision.ALLOW, e.decision());
        assertEquals(InetAddress.getByName("198.18.0.1"), e.srcAddr());
        assertEquals(InetAddress.getByName("198.18.0.2"), e.dstAddr());
        assertEquals(40000, e.srcPort());
        assertEquals(80, e.dstPort());
        assertEquals(6, e.protocol());
        assertEquals(0x12, e.tcpFlags());
        assertEquals(3, e.packets());
        assertEquals(180, e.bytes());
        assertEquals(123_456_789L, e.monotonicNanos());
        assertEquals(42, e.ifindex());
        assertEquals(7, e.ruleRef());
        assertEquals(e, FlowRecordCodec.decodeInto(record(buf), new FlowRecord()).toEvent());
    }

    @Test
    void decodesIpv6AddressesIngressAndDeny() throws Exception {
        ByteBuffer buf = ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] src = InetAddress.getByName("2001:2::1").getAddress();
        byte[] dst = InetAddress.getByName("2001:2::2").getAddress();
        buf.put(8 + 24, src).put(8 + 40, dst);
        buf.put(8 + 61, (byte) 0).put(8 + 62, (byte) 6).put(8 + 60, (byte) 17).put(8 + 65, (byte) 1);
        FlowEvent e = FlowRecordCodec.decode(record(buf));
        assertEquals(Direction.INGRESS, e.direction());
        assertEquals(Decision.DENY, e.decision());
        assertEquals(InetAddress.getByName("2001:2::1"), e.srcAddr());
        assertEquals(InetAddress.getByName("2001:2::2"), e.dstAddr());
        assertEquals(17, e.protocol());
        assertEquals(40000, e.srcPort());
        assertEquals(80, e.dstPort());
        FlowRecord reused = FlowRecordCodec.decodeInto(
                record(ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN)), new FlowRecord());
        assertEquals(e, FlowRecordCodec.decodeInto(record(buf), reused).toEvent());
    }

    @Test
    void rejectsARecordOfTheWrongLengthNamingBothSizes() {
        ByteBuffer buf = ByteBuffer.wrap(goldenV4Tcp());
        for (int length : new int[] {64, 80}) {
            NativeBytes rec = inNativeMemory(ByteBuffer.allocate(100).put(0, buf, 0, 80), 8, length);
            MalformedRecordException ex = assertThrows(MalformedRecordException.class,
                    () -> FlowRecordCodec.decode(rec));
            assertTrue(ex.getMessage().contains(length + " bytes"), ex.getMessage());
            assertTrue(ex.getMessage().contains("72"), ex.getMessage());
        }
    }

    /** Each out-of-range value is named, and the reused record keeps what it held. */
    @Test
    void rejectsUnknownFamilyDirectionKindAndDecisionLeavingTheRecordAsItWas() {
        FlowRecord previous = FlowRecordCodec.decodeInto(
                record(ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN)), new FlowRecord());
        FlowEvent before = previous.toEvent();
        Object[][] cases = {{62, 5, "family 5"}, {62, 0, "family 0"}, {62, 2, "family 2"}, {62, 14, "family 14"},
            {61, 9, "direction 9"}, {61, 2, "direction 2"}, {64, 0, "kind 0"}, {64, 3, "kind 3"},
            {65, 3, "decision 3"}, {65, 2, "decision 2"}};
        for (Object[] c : cases) {
            ByteBuffer buf = ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN);
            buf.put(8 + (int) c[0], (byte) (int) c[1]);
            MalformedRecordException ex = assertThrows(MalformedRecordException.class,
                    () -> FlowRecordCodec.decodeInto(record(buf), previous), "offset " + c[0]);
            assertTrue(ex.getMessage().contains((String) c[2]), ex.getMessage());
            assertEquals(before, previous.toEvent());
        }
    }
}
