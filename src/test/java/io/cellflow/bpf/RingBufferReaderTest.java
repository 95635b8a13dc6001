package io.cellflow.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cellflow.memory.NativeBytes;
import io.cellflow.memory.NativeMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reader over a synthetic ring laid out like the reader maps the kernel's: a consumer page, a producer page,
 * and the data area once, so a record that runs past its end continues at its start.
 */
class RingBufferReaderTest {
    private static final int PAGE = 4096;
    private static final int RING = 4096;

    private final ByteBuffer consumer = ByteBuffer.allocateDirect(PAGE).order(ByteOrder.nativeOrder());
    private final ByteBuffer producer = ByteBuffer.allocateDirect(PAGE + RING).order(ByteOrder.nativeOrder());
    private long prod;

    /** Writes one record at the producer position, as bpf_ringbuf_submit leaves it. */
    private void produce(int payloadLen, int header, byte fill) {
        int at = (int) (prod & (RING - 1));
        putBoth(at, header);
        for (int i = 0; i < payloadLen; i++) {
            putByte(at + 8 + i, fill);
        }
        advance(payloadLen);
    }

    /** Writes one record whose payload byte i is {@code (byte) i}. */
    private void producePattern(int payloadLen) {
        int at = (int) (prod & (RING - 1));
        putBoth(at, payloadLen);
        for (int i = 0; i < payloadLen; i++) {
            putByte(at + 8 + i, (byte) i);
        }
        advance(payloadLen);
    }

    private void advance(int payloadLen) {
        prod += (payloadLen + 8 + 7) & ~7;
        producer.putLong(0, prod);
    }

    /** Produces and drains filler records until the producer is {@code gap} bytes before the end of the ring. */
    private void fillUpTo(RingBufferReader r, int gap) {
        long target = prod - prod % RING + RING - gap;
        if (target < prod) {
            target += RING;
        }
        while (prod + 80 <= target) {
            produce(72, 72, (byte) 5);
        }
        while (prod < target) {
            produce(0, RingBufferReader.DISCARD_BIT, (byte) 0); // 8-byte discarded records close the gap exactly
        }
        drain(r, 10_000);
        assertEquals(prod, consumer.getLong(0));
    }

    private void putBoth(int at, int header) {
        for (int i = 0; i < 4; i++) {
            putByte(at + i, (byte) (header >>> (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 8 * i : 24 - 8 * i)));
        }
    }

    private void putByte(int ringOffset, byte b) {
        producer.put(PAGE + ringOffset % RING, b);
    }

    private List<String> drain(RingBufferReader r, int budget) {
        List<String> got = new ArrayList<>();
        r.drain(rec -> got.add(rec.length() + ":" + rec.get(0) + ":" + rec.get(rec.length() - 1)), budget);
        return got;
    }

    @Test
    void deliversRecordsInOrderAndPublishesTheConsumerPosition() {
        RingBufferReader r = new RingBufferReader(consumer, producer, PAGE, RING, () -> {});
        produce(72, 72, (byte) 1);
        produce(72, 72, (byte) 2);
        assertEquals(List.of("72:1:1", "72:2:2"), drain(r, 100));
        assertEquals(160, consumer.getLong(0));
        assertEquals(List.of(), drain(r, 100));
    }

    @Test
    void stopsAtABusyRecordAndSkipsDiscardedOnes() {
        RingBufferReader r = new RingBufferReader(consumer, producer, PAGE, RING, () -> {});
        produce(72, 72 | RingBufferReader.DISCARD_BIT, (byte) 1);
        produce(72, 72, (byte) 2);
        produce(72, 72 | RingBufferReader.BUSY_BIT, (byte) 3);
        assertEquals(List.of("72:2:2"), drain(r, 100));
        assertEquals(160, consumer.getLong(0), "stops before the busy record");
        int at = 160;
        putBoth(at, 72); // the kernel commits it
        assertEquals(List.of("72:3:3"), drain(r, 100));
    }

    @Test
    void readsARecordThatWrapsAroundTheEnd() {
        RingBufferReader r = new RingBufferReader(consumer, producer, PAGE, RING, () -> {});
        int n = 0;
        while (prod + 80 <= RING - 40) { // leave 40 bytes before the end: the next record wraps
            produce(72, 72, (byte) 5);
            n++;
        }
        assertEquals(n, drain(r, 1000).size());
        produce(72, 72, (byte) 9);
        assertEquals(List.of("72:9:9"), drain(r, 1000));
        assertEquals(prod, consumer.getLong(0));
    }

    @Test
    void copiesAWrappedRecordWholeIntoOneReusedScratchBuffer() {
        RingBufferReader r = new RingBufferReader(consumer, producer, PAGE, RING, () -> {});
        long data = NativeMemory.address(producer) + PAGE;
        List<Long> addresses = new ArrayList<>();
        RingBufferReader.RecordSink check = rec -> {
            for (int i = 0; i < rec.length(); i++) {
                assertEquals((byte) i, rec.get(i), "payload byte " + i + " of " + rec.length());
            }
            addresses.add(rec.address(rec.length()));
        };
        for (int gap : new int[] {40, 16, 8, 8 + 72}) { // wraps after 32 and after 8 bytes; fits exactly twice
            fillUpTo(r, gap);
            producePattern(72);
            assertEquals(1, r.drain(check, 10));
            assertEquals(prod, consumer.getLong(0));
        }
        assertFalse(inRing(data, addresses.get(0)), "a wrapped record is handed over from the scratch buffer");
        assertEquals(addresses.get(0), addresses.get(1), "the scratch buffer is reused, not allocated per record");
        assertEquals(data, addresses.get(2), "a payload that starts at the beginning is read in place");
        assertEquals(data + RING - 72, addresses.get(3), "a payload that ends at the end is read in place");

        fillUpTo(r, 200); // a record bigger than the scratch buffer so far: it grows
        producePattern(1000);
        assertEquals(1, r.drain(check, 10));
        assertEquals(prod, consumer.getLong(0));
        assertFalse(inRing(data, addresses.get(4)));
    }

    private static boolean inRing(long data, long address) {
        return address >= data && address < data + RING;
    }

    /** A length no record of this ring can have is never read past, nor consumed. */
    @Test
    void stopsAtAHeaderLongerThanTheRing() {
        RingBufferReader r = new RingBufferReader(consumer, producer, PAGE, RING, () -> {});
        produce(72, 72, (byte) 1);
        int at = (int) prod;
        produce(0, RING, (byte) 0); // header only: its length is the whole ring, more than a record can have
        prod = at + 8 + RING;
        producer.putLong(0, prod);
        assertEquals(List.of("72:1:1"), drain(r, 100));
        assertEquals(at, consumer.getLong(0), "the bad header is not consumed");
        assertEquals(List.of(), drain(r, 100));
        putBoth(at, RING - 8); // the largest a record can be: read, across the end of the ring
        prod = at + RING;
        producer.putLong(0, prod);
        assertEquals(1, drain(r, 100).size());
        assertEquals(prod, consumer.getLong(0));
    }

    @Test
    void honoursTheBudget() {
        RingBufferReader r = new RingBufferReader(consumer, producer, PAGE, RING, () -> {});
        for (int i = 0; i < 5; i++) {
            produce(72, 72, (byte) i);
        }
        assertEquals(2, drain(r, 2).size());
        assertEquals(3, drain(r, 100).size());
    }

    /** A drain that finds records brackets them with one begin and one end, also when the sink throws. */
    @Test
    void bracketsEachBatchOnceEvenWhenTheSinkThrows() {
        RingBufferReader r = new RingBufferReader(consumer, producer, PAGE, RING, () -> {});
        List<String> calls = new ArrayList<>();
        RingBufferReader.RecordSink sink = new RingBufferReader.RecordSink() {
            @Override
            public void accept(NativeBytes record) {
                calls.add("record" + record.get(0));
                if (record.get(0) == 9) {
                    throw new IllegalStateException("poison");
                }
            }

            @Override
            public void beginBatch() {
                calls.add("begin");
            }

            @Override
            public void endBatch() {
                calls.add("end");
            }
        };
        assertEquals(0, r.drain(sink, 100));
        assertEquals(List.of(), calls, "an empty ring is not a batch");
        produce(72, 72, (byte) 1);
        produce(72, 72, (byte) 2);
        assertEquals(2, r.drain(sink, 100));
        assertEquals(List.of("begin", "record1", "record2", "end"), calls);
        calls.clear();
        produce(72, 72, (byte) 9);
        produce(72, 72, (byte) 3);
        assertThrows(IllegalStateException.class, () -> r.drain(sink, 100));
        assertEquals(List.of("begin", "record9", "end"), calls);
        assertEquals(240, consumer.getLong(0), "the record that threw is consumed, not read again forever");
        calls.clear();
        assertEquals(1, r.drain(sink, 100));
        assertEquals(List.of("begin", "record3", "end"), calls);
    }
}
