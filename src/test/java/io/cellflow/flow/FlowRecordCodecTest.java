package io.cellflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void decodesEveryFieldOfAGoldenRecord() throws Exception {
        ByteBuffer buf = ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN);
        FlowEvent e = FlowRecordCodec.decode(buf, 8, 72);
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
        assertEquals(e, FlowRecordCodec.decodeInto(buf, 8, 72, new FlowRecord()).toEvent());
        assertEquals(e, FlowRecordCodec.decode(buf.duplicate().order(ByteOrder.BIG_ENDIAN), 8, 72),
                "the buffer's own byte order does not matter");
    }

    @Test
    void decodesIpv6AddressesAndIngress() throws Exception {
        ByteBuffer buf = ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] src = InetAddress.getByName("2001:2::1").getAddress();
        byte[] dst = InetAddress.getByName("2001:2::2").getAddress();
        buf.put(8 + 24, src).put(8 + 40, dst);
        buf.put(8 + 61, (byte) 0).put(8 + 62, (byte) 6).put(8 + 60, (byte) 17);
        FlowEvent e = FlowRecordCodec.decode(buf, 8, 72);
        assertEquals(Direction.INGRESS, e.direction());
        assertEquals(InetAddress.getByName("2001:2::1"), e.srcAddr());
        assertEquals(InetAddress.getByName("2001:2::2"), e.dstAddr());
        assertEquals(17, e.protocol());
        FlowRecord reused = FlowRecordCodec.decodeInto(ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN),
                8, 72, new FlowRecord());
        assertEquals(e, FlowRecordCodec.decodeInto(buf, 8, 72, reused).toEvent());
    }

    @Test
    void rejectsARecordOfTheWrongLengthNamingBothSizes() {
        ByteBuffer buf = ByteBuffer.wrap(goldenV4Tcp());
        MalformedRecordException ex = assertThrows(MalformedRecordException.class,
                () -> FlowRecordCodec.decode(buf, 8, 64));
        assertTrue(ex.getMessage().contains("64 bytes"), ex.getMessage());
        assertTrue(ex.getMessage().contains("72"), ex.getMessage());
    }

    @Test
    void rejectsUnknownFamilyDirectionAndKind() {
        for (int[] field : new int[][] {{62, 5}, {61, 9}, {64, 0}, {65, 3}}) {
            ByteBuffer buf = ByteBuffer.wrap(goldenV4Tcp()).order(ByteOrder.LITTLE_ENDIAN);
            buf.put(8 + field[0], (byte) field[1]);
            assertThrows(MalformedRecordException.class, () -> FlowRecordCodec.decode(buf, 8, 72),
                    "offset " + field[0]);
        }
    }
}
