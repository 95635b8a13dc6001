package io.cellflow.memory;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A window of {@link #length()} bytes of native memory, read in place: the ring-buffer reader points one at each
 * record in turn and hands it to its sink, so a record costs no copy and no allocation. Every read through the
 * window is checked against it (a read outside throws {@link IndexOutOfBoundsException}); {@link #address(int)}
 * lets a decoder check once and read fixed offsets itself. Whoever points the window guarantees that it lies in
 * live memory. Reads are in host byte order.
 *
 * <p>Mutable and not thread-safe: a sink may read the window only during the call that handed it over.
 */
public final class NativeBytes {
    private long address;
    private int length;
    private Object owner; // keeps the memory's owner (a direct buffer) reachable while the window is in use

    /** A window onto {@code length} bytes at {@code offset} of a direct buffer (tests, and non-mapped memory). */
    public static NativeBytes over(ByteBuffer direct, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, direct.capacity());
        NativeBytes b = new NativeBytes();
        b.point(NativeMemory.address(direct) + offset, length);
        b.owner = direct;
        return b;
    }

    /** Points the window at {@code length} bytes at {@code address}, which the caller keeps mapped. */
    public void point(long address, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        this.address = address;
        this.length = length;
    }

    public int length() {
        return length;
    }

    /**
     * The window's address, for a decoder that checks the length once and then reads fixed offsets below
     * {@code size} with {@link NativeMemory}, without a check per read.
     *
     * @throws IndexOutOfBoundsException if the window is shorter than {@code size}
     */
    public long address(int size) {
        Objects.checkFromIndexSize(0, size, length);
        return address;
    }


    // checkIndex(at, length - (size - 1)): one unsigned compare per read, an intrinsic the JIT can merge

    public byte get(int at) {
        return NativeMemory.getByte(address + Objects.checkIndex(at, length));
    }

    public int getInt(int at) {
        return NativeMemory.getInt(address + Objects.checkIndex(at, length - 3));
    }

    public long getLong(int at) {
        return NativeMemory.getLong(address + Objects.checkIndex(at, length - 7));
    }
}
