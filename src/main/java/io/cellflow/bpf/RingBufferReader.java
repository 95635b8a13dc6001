package io.cellflow.bpf;

import com.kenai.jffi.MemoryIO;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * Reads a {@code BPF_MAP_TYPE_RINGBUF} straight from its mmap'd pages, as libbpf's {@code ringbuf_process_ring}
 * does, without a callback into Java from native code.
 *
 * <p>Layout (kernel/bpf/ringbuf.c): page 0 holds {@code consumer_pos} (we write it), page 1 {@code producer_pos}
 * (the kernel writes it), then the data area. The kernel maps the data area twice back to back so that a record
 * wrapping around the end reads contiguously, and libbpf maps both copies; we map it once (a read-only mapping
 * of any length up to the full size is allowed), which halves the ring's resident pages, and copy the rare
 * record that wraps into a scratch buffer kept for the next one. Each record starts with an 8-byte header: a
 * u32 length whose bit 31 says "still being written" (busy) and bit 30 "discarded", then a u32 page offset we do
 * not need; records are 8-byte aligned, so a header never wraps. Positions only grow; {@code pos & mask} is the
 * offset in the data area.
 *
 * <p>Ordering: positions and headers are read with acquire semantics and the consumer position is published with
 * release semantics (VarHandle views over the mapped memory), matching the kernel's smp_load_acquire /
 * smp_store_release pairs. Not thread-safe: one reader thread (the poller) per ring. Nothing is allocated per
 * record (the scratch buffer grows at most a few times over the reader's life); the sink gets a slice of the
 * mapped memory, or of the scratch buffer for a wrapped record, valid only during the call.
 */
public final class RingBufferReader implements AutoCloseable {
    static final int BUSY_BIT = 1 << 31;
    static final int DISCARD_BIT = 1 << 30;
    static final int HEADER_SIZE = 8;
    /** Publish the consumer position at least this often within one drain, so the producer regains space. */
    private static final int PUBLISH_EVERY = 64;
    /** First size of the scratch buffer for wrapped records (a flow record is 72 bytes). */
    private static final int SCRATCH_MIN = 256;

    private static final VarHandle LONG =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    /**
     * Receives one record: {@code length} bytes at {@code offset} of {@code data}. A drain that finds records
     * brackets them with {@link #beginBatch()} and {@link #endBatch()} (always called, also when a record throws),
     * so a sink can take a lock once per batch instead of once per record.
     */
    @FunctionalInterface
    public interface RecordSink {
        void accept(ByteBuffer data, int offset, int length);

        default void beginBatch() {}

        default void endBatch() {}
    }

    private final Runnable unmap;
    private final ByteBuffer consumerPage;
    private final ByteBuffer producer; // producer page + the data area once
    private final int dataStart;
    private final long mask;
    private final int ringBytes;
    private long consumerPos;
    private ByteBuffer scratch; // a wrapped record, copied contiguous; null until the first one
    private boolean closed;

    RingBufferReader(ByteBuffer consumerPage, ByteBuffer producer, int pageSize, int ringBytes, Runnable unmap) {
        if (Integer.bitCount(ringBytes) != 1 || ringBytes % pageSize != 0) {
            throw new IllegalArgumentException("ring size must be a power of two and page multiple: " + ringBytes);
        }
        if (producer.capacity() < pageSize + ringBytes) {
            throw new IllegalArgumentException("producer mapping shorter than a page + the data area: "
                    + producer.capacity());
        }
        this.consumerPage = consumerPage.order(ByteOrder.nativeOrder());
        this.producer = producer.order(ByteOrder.nativeOrder());
        this.dataStart = pageSize;
        this.mask = ringBytes - 1L;
        this.ringBytes = ringBytes;
        this.unmap = unmap;
        this.consumerPos = (long) LONG.getAcquire(this.consumerPage, 0);
    }

    /** Maps the ring of a loaded {@code BPF_MAP_TYPE_RINGBUF} map. */
    public static RingBufferReader map(Native nat, int mapFd, int ringBytes) throws BpfException {
        LibC libc = nat.libc();
        int page = libc.getpagesize();
        Pointer cons = libc.mmap(null, page, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, mapFd, 0);
        if (cons == null || cons.address() == LibC.MAP_FAILED) {
            throw new BpfException(BpfException.Stage.RING_BUFFER, Errno.of(nat.errno()), "mmap consumer page");
        }
        long prodLen = page + (long) ringBytes; // the data area once, see the class comment
        Pointer prod = libc.mmap(null, prodLen, LibC.PROT_READ, LibC.MAP_SHARED, mapFd, page);
        if (prod == null || prod.address() == LibC.MAP_FAILED) {
            Errno err = Errno.of(nat.errno());
            libc.munmap(cons, page);
            throw new BpfException(BpfException.Stage.RING_BUFFER, err, "mmap producer pages");
        }
        MemoryIO io = MemoryIO.getInstance();
        return new RingBufferReader(io.newDirectByteBuffer(cons.address(), page),
                io.newDirectByteBuffer(prod.address(), (int) prodLen),
                page, ringBytes, () -> {
                    libc.munmap(prod, prodLen);
                    libc.munmap(cons, page);
                });
    }

    /**
     * Hands every complete record to {@code sink}, in order, and gives the space back to the kernel. Stops at a
     * record the kernel is still writing, or after {@code budget} records.
     *
     * @return the number of records delivered (discarded ones are skipped and not counted)
     */
    public int drain(RecordSink sink, int budget) {
        if (closed) {
            return 0;
        }
        long cons = consumerPos;
        long prod = (long) LONG.getAcquire(producer, 0);
        if (cons >= prod || budget <= 0) {
            return 0;
        }
        int delivered = 0;
        int sincePublish = 0;
        sink.beginBatch();
        try {
            while (cons < prod && delivered < budget) {
                int len = (int) INT.getAcquire(producer, dataStart + (int) (cons & mask));
                if ((len & BUSY_BIT) != 0) {
                    break;
                }
                int payload = len & ~(BUSY_BIT | DISCARD_BIT);
                int at = (int) ((cons + HEADER_SIZE) & mask);
                cons += (payload + HEADER_SIZE + 7) & ~7L;
                if ((len & DISCARD_BIT) == 0) {
                    if (payload <= ringBytes - at) {
                        sink.accept(producer, dataStart + at, payload);
                    } else {
                        sink.accept(unwrap(at, payload), 0, payload);
                    }
                    delivered++;
                }
                if (++sincePublish == PUBLISH_EVERY) {
                    LONG.setRelease(consumerPage, 0, cons);
                    sincePublish = 0;
                }
                if (cons >= prod) {
                    prod = (long) LONG.getAcquire(producer, 0);
                }
            }
        } finally {
            if (cons != consumerPos) {
                LONG.setRelease(consumerPage, 0, cons);
                consumerPos = cons;
            }
            sink.endBatch();
        }
        return delivered;
    }

    /** Copies a record that runs past the end of the data area ({@code at} is its data offset) into scratch. */
    private ByteBuffer unwrap(int at, int payload) {
        if (scratch == null || scratch.capacity() < payload) {
            int size = Math.max(SCRATCH_MIN, Integer.highestOneBit(Math.max(1, payload - 1)) << 1);
            scratch = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
        }
        int head = ringBytes - at;
        scratch.put(0, producer, dataStart + at, head);
        scratch.put(head, producer, dataStart, payload - head);
        return scratch;
    }

    /** Bytes written by the kernel and not yet consumed, for the fill-ratio gauge. */
    public long pendingBytes() {
        return closed ? 0 : (long) LONG.getAcquire(producer, 0) - consumerPos;
    }

    public int capacity() {
        return ringBytes;
    }

    /** Unmaps the pages. The caller guarantees no drain runs concurrently (the poller deregisters first). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            unmap.run();
        }
    }
}
