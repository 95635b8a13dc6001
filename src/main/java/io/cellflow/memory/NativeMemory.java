package io.cellflow.memory;

import com.kenai.jffi.MemoryIO;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import sun.misc.Unsafe;

/**
 * Plain, acquire and release access to native memory at absolute addresses, for the ring-buffer hot path
 * (Java 17 has no FFM API; a {@code DirectByteBuffer} read costs a bounds check, a scope check and a byte-order
 * test each, which is most of a record's decode). Reads and writes are in host byte order.
 *
 * <p>Nothing here checks an address: callers read only inside memory they mapped or allocated and keep alive,
 * and hand it on as a bounds-checked {@link NativeBytes} window. {@code sun.misc.Unsafe} (module
 * {@code jdk.unsupported}) works the same in a native image.
 */
public final class NativeMemory {
    private static final Unsafe UNSAFE = unsafe();

    private NativeMemory() {}

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The address of a direct buffer's first byte (not its position). */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return MemoryIO.getInstance().getDirectBufferAddress(direct);
    }

    public static byte getByte(long address) {
        return UNSAFE.getByte(address);
    }

    public static int getInt(long address) {
        return UNSAFE.getInt(address);
    }

    public static long getLong(long address) {
        return UNSAFE.getLong(address);
    }

    /** A load no later load is reordered before: the pair of the kernel's {@code smp_store_release}. */
    public static int getIntAcquire(long address) {
        return UNSAFE.getIntVolatile(null, address);
    }

    /** As {@link #getIntAcquire}. */
    public static long getLongAcquire(long address) {
        return UNSAFE.getLongVolatile(null, address);
    }

    /** A store no earlier load or store is reordered after: the pair of the kernel's {@code smp_load_acquire}. */
    public static void putLongRelease(long address, long value) {
        UNSAFE.putOrderedLong(null, address, value);
    }

    public static void copy(long from, long to, long bytes) {
        UNSAFE.copyMemory(from, to, bytes);
    }
}
