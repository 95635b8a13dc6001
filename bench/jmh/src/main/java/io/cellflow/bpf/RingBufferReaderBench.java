package io.cellflow.bpf;

import io.cellflow.flow.FlowAbi;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowRecord;
import io.cellflow.flow.FlowRecordCodec;
import io.cellflow.memory.NativeBytes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The poller's per-record work, without the kernel: {@link RingBufferReader#drain} over a synthetic ring laid out
 * like the kernel's (consumer page, producer page, data area), full of committed 72-byte
 * {@code struct cf_flow_event} records (80-byte slots), optionally decoding each one with {@link FlowRecordCodec}.
 *
 * <p>One operation = one record ({@link OperationsPerInvocation}): each invocation drains the whole ring (3276
 * records in 256 KiB, none wrapping), then rewinds the reader's consumer position, so the same committed
 * records are read again without a producer in the measurement. With {@code -prof gc},
 * {@code gc.alloc.rate.norm} is bytes allocated per record.
 *
 * <ul>
 *   <li>{@code readerOnly}: the reader path alone (headers, positions, the sink call reading two fields) - should
 *       allocate nothing.
 *   <li>{@code readerAndDecode}: reader + {@link FlowRecordCodec#decodeInto} into one reused {@link FlowRecord}
 *       (what the poller thread runs per record before the ledger) - should allocate nothing.
 *   <li>{@code decodeOnly}: that decoder alone on one record.
 *   <li>{@code decodeToEvent}: {@link FlowRecordCodec#decode}, an immutable {@link FlowEvent} per record (what a
 *       record that becomes an event costs; before the poller decoded into a reused record, every record did).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBufferReaderBench {
    static final int PAGE = 4096;
    static final int RING = 256 * 1024; // a busy cell's ring (the default is 64 KiB)
    static final int SLOT = 8 + FlowAbi.Event.SIZE; // 80: header + 72 B record, 8-aligned
    static final int RECORDS = RING / SLOT; // 3276
    private static final VarHandle CONSUMER_POS;

    static {
        try {
            CONSUMER_POS = MethodHandles.privateLookupIn(RingBufferReader.class, MethodHandles.lookup())
                    .findVarHandle(RingBufferReader.class, "consumerPos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ByteBuffer consumer;
    private ByteBuffer producer;
    private RingBufferReader reader;
    private RingBufferReader.RecordSink readSink;
    private RingBufferReader.RecordSink decodeSink;
    private long acc;
    private final FlowRecord record = new FlowRecord();
    private NativeBytes first; // the first record, in place

    @Setup(Level.Trial)
    public void setUp() {
        consumer = ByteBuffer.allocateDirect(PAGE).order(ByteOrder.nativeOrder());
        producer = ByteBuffer.allocateDirect(PAGE + 2 * RING).order(ByteOrder.nativeOrder());
        for (int i = 0; i < RECORDS; i++) {
            writeRecord(i);
        }
        producer.putLong(0, (long) RECORDS * SLOT); // producer_pos
        consumer.putLong(0, 0);
        reader = new RingBufferReader(consumer, producer, PAGE, RING, () -> {});
        readSink = rec -> acc += rec.getLong(FlowAbi.Event.FIRST_NS) + rec.length();
        decodeSink = rec -> FlowRecordCodec.decodeInto(rec, record);
        first = NativeBytes.over(producer, PAGE + 8, FlowAbi.Event.SIZE);
    }

    /** Record i at data offset i*SLOT, in both mappings of the data area, as bpf_ringbuf_submit leaves it. */
    private void writeRecord(int i) {
        ByteBuffer rec = ByteBuffer.allocate(SLOT).order(ByteOrder.nativeOrder());
        rec.putInt(0, FlowAbi.Event.SIZE); // len, busy and discard bits clear
        rec.putInt(4, 0); // page offset (unused by the reader)
        int p = 8;
        rec.putLong(p + FlowAbi.Event.FIRST_NS, 1_000_000_000L + i);
        rec.putLong(p + FlowAbi.Event.PACKETS, 1);
        rec.putLong(p + FlowAbi.Event.BYTES, 106);
        byte[] src = {(byte) 198, 18, 0, 1};
        byte[] dst = {(byte) 198, 18, 0, 2};
        for (int b = 0; b < 4; b++) {
            rec.put(p + FlowAbi.Event.SADDR + b, src[b]);
            rec.put(p + FlowAbi.Event.DADDR + b, dst[b]);
        }
        rec.order(ByteOrder.BIG_ENDIAN).putShort(p + FlowAbi.Event.SPORT, (short) (10000 + i))
                .putShort(p + FlowAbi.Event.DPORT, (short) 10000).order(ByteOrder.nativeOrder());
        rec.put(p + FlowAbi.Event.PROTO, (byte) 17);
        rec.put(p + FlowAbi.Event.DIR, (byte) FlowAbi.DIR_INGRESS);
        rec.put(p + FlowAbi.Event.FAMILY, (byte) FlowAbi.FAMILY_V4);
        rec.put(p + FlowAbi.Event.KIND, (byte) FlowAbi.EVENT_FLOW_NEW);
        rec.put(p + FlowAbi.Event.DECISION, (byte) FlowAbi.DECISION_ALLOW);
        rec.putInt(p + FlowAbi.Event.IFINDEX, 2);
        int at = i * SLOT;
        for (int b = 0; b < SLOT; b++) {
            producer.put(PAGE + at + b, rec.get(b));
            producer.put(PAGE + RING + at + b, rec.get(b));
        }
    }

    private void rewind() {
        CONSUMER_POS.set(reader, 0L);
        consumer.putLong(0, 0L);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long readerOnly() {
        rewind();
        int n = reader.drain(readSink, Integer.MAX_VALUE);
        if (n != RECORDS) {
            throw new IllegalStateException("drained " + n);
        }
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public FlowRecord readerAndDecode() {
        rewind();
        int n = reader.drain(decodeSink, Integer.MAX_VALUE);
        if (n != RECORDS) {
            throw new IllegalStateException("drained " + n);
        }
        return record;
    }

    @Benchmark
    public FlowRecord decodeOnly() {
        return FlowRecordCodec.decodeInto(first, record);
    }

    @Benchmark
    public FlowEvent decodeToEvent() {
        return FlowRecordCodec.decode(first);
    }
}
