package io.cellflow.bpf;

import com.kenai.jffi.MemoryIO;
import io.cellflow.memory.NativeBytes;
import io.cellflow.memory.NativeMemory;
import java.nio.ByteBuffer;
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
 * release semantics ({@link NativeMemory}, by address: a {@code DirectByteBuffer} or VarHandle view checks bounds
 * and byte order on every access), matching the kernel's smp_load_acquire / smp_store_release pairs. Not
 * thread-safe: one reader thread (the poller) per ring. Nothing is allocated per record (the scratch buffer grows
 * at most a few times over the reader's life); the sink gets one reused {@link NativeBytes} window onto the
 * record in the mapping, or in the scratch buffer for a wrapped record, valid only during the call. A header's
 * length is checked against the ring before the window is set, so a window never reaches outside the mapping.
 */
public final class RingBufferReader implements AutoCloseable {
    static final int BUSY_BIT = 1 << 31;
    static final int DISCARD_BIT = 1 << 30;
    static final int HEADER_SIZE = 8;
    /** Publish the consumer position at least this often within one drain, so the producer regains space. */
    private static final int PUBLISH_EVERY = 64;
    /** First size of the scratch buffer for wrapped records (a flow record is 72 bytes). */
    private static final int SCRATCH_MIN = 256;

    /**
     * Receives one record: a window onto its payload, valid only during the call. A drain that finds records
     * brackets them with {@link #beginBatch()} and {@link #endBatch()} (always called, also when a record throws),
     * so a sink can take a lock once per batch instead of once per record.
     */
    @FunctionalInterface
    public interface RecordSink {
        void accept(NativeBytes record);

        default void beginBatch() {}

        default void endBatch() {}
    }

    private final Runnable unmap;
    private final Object mappings; // the buffers over the pages, kept reachable while we read them by address
    private final long consumerAddr;
    private final long producerAddr;
    private final long dataAddr;
    private final long mask;
    private final int ringBytes;
    private final int maxPayload;
    private final NativeBytes record = new NativeBytes();
    private long consumerPos;
    private ByteBuffer scratch; // a wrapped record, copied contiguous; null until the first one
    private long scratchAddr;
    private boolean closed;

    RingBufferReader(ByteBuffer consumerPage, ByteBuffer producer, int pageSize, int ringBytes, Runnable unmap) {
        if (Integer.bitCount(ringBytes) != 1 || ringBytes % pageSize != 0) {
            throw new IllegalArgumentException("ring size must be a power of two and page multiple: " + ringBytes);
        }
        if (producer.capacity() < pageSize + ringBytes) {
            throw new IllegalArgumentException("producer mapping shorter than a page + the data area: "
                    + producer.capacity());
        }
        if (consumerPage.capacity() < Long.BYTES) {
            throw new IllegalArgumentException("consumer mapping shorter than a position");
        }
        this.mappings = new ByteBuffer[] {consumerPage, producer};
        this.consumerAddr = NativeMemory.address(consumerPage);
        this.producerAddr = NativeMemory.address(producer);
        this.dataAddr = producerAddr + pageSize;
        this.mask = ringBytes - 1L;
        this.ringBytes = ringBytes;
        this.maxPayload = ringBytes - HEADER_SIZE;
        this.unmap = unmap;
        this.consumerPos = NativeMemory.getLongAcquire(consumerAddr);
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
     * record the kernel is still writing, at a header whose length no record of this ring can have (it is not
     * consumed, so nothing past it is read), or after {@code budget} records.
     *
     * @return the number of records delivered (discarded ones are skipped and not counted)
     */
    public int drain(RecordSink sink, int budget) {
        if (closed) {
            return 0;
        }
        // the fields the loop needs, in locals: the acquire load per header would make the JIT reload them
        final long data = dataAddr;
        final long mask = this.mask;
        final int maxPayload = this.maxPayload;
        final int ringBytes = this.ringBytes;
        final long prodAddr = producerAddr;
        final NativeBytes record = this.record;
        long cons = consumerPos;
        long prod = NativeMemory.getLongAcquire(prodAddr);
        if (cons >= prod || budget <= 0) {
            return 0;
        }
        int delivered = 0;
        int sincePublish = 0;
        sink.beginBatch();
        try {
            while (cons < prod && delivered < budget) {
                int len = NativeMemory.getIntAcquire(data + (cons & mask));
                int payload = len & ~DISCARD_BIT;
                // busy (the sign bit), or longer than the kernel reserves (a header and payload of at most the
                // ring): stop before it. One unsigned compare once the JIT folds the two.
                if (payload < 0 || payload > maxPayload) {
                    break;
                }
                int at = (int) ((cons + HEADER_SIZE) & mask);
                cons += (payload + HEADER_SIZE + 7) & ~7L;
                if ((len & DISCARD_BIT) == 0) {
                    if (payload <= ringBytes - at) {
                        record.point(data + at, payload);
                    } else {
                        unwrap(at, payload);
                    }
                    sink.accept(record);
                    delivered++;
                }
                if (++sincePublish == PUBLISH_EVERY) {
                    NativeMemory.putLongRelease(consumerAddr, cons);
                    sincePublish = 0;
                }
                if (cons >= prod) {
                    prod = NativeMemory.getLongAcquire(prodAddr);
                }
            }
        } finally {
            if (cons != consumerPos) {
                NativeMemory.putLongRelease(consumerAddr, cons);
                consumerPos = cons;
            }
            sink.endBatch();
        }
        return delivered;
    }

    /**
     * Copies a record that runs past the end of the data area ({@code at} is its data offset, {@code payload} at
     * most the ring less a header) into scratch and points the record window there.
     */
    private void unwrap(int at, int payload) {
        if (scratch == null || scratch.capacity() < payload) {
            int size = Math.max(SCRATCH_MIN, Integer.highestOneBit(Math.max(1, payload - 1)) << 1);
            scratch = ByteBuffer.allocateDirect(size);
            scratchAddr = NativeMemory.address(scratch);
        }
        int head = ringBytes - at;
        NativeMemory.copy(dataAddr + at, scratchAddr, head);
        NativeMemory.copy(dataAddr, scratchAddr + head, payload - head);
        record.point(scratchAddr, payload);
    }

    /** Bytes written by the kernel and not yet consumed, for the fill-ratio gauge. */
    public long pendingBytes() {
        return closed ? 0 : NativeMemory.getLongAcquire(producerAddr) - consumerPos;
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
