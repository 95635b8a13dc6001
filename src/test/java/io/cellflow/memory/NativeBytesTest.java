package io.cellflow.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** A window reads host-order values in place and nothing outside itself. */
class NativeBytesTest {
    private final ByteBuffer direct = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());

    @Test
    void readsInHostOrderAtTheWindowsOffset() {
        direct.putLong(16, 0x1122_3344_5566_7788L).putInt(24, 0x0a0b_0c0d).put(28, (byte) -3);
        NativeBytes w = NativeBytes.over(direct, 16, 16);
        assertEquals(16, w.length());
        assertEquals(0x1122_3344_5566_7788L, w.getLong(0));
        assertEquals(0x0a0b_0c0d, w.getInt(8));
        assertEquals((byte) -3, w.get(12));
        assertEquals(NativeMemory.address(direct) + 16, w.address(16));
    }

    @Test
    void refusesEveryReadThatLeavesTheWindow() {
        NativeBytes w = NativeBytes.over(direct, 16, 16);
        for (int at : new int[] {-1, 9, 16, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertThrows(IndexOutOfBoundsException.class, () -> w.getLong(at), "long at " + at);
        }
        for (int at : new int[] {-1, 13, 16}) {
            assertThrows(IndexOutOfBoundsException.class, () -> w.getInt(at), "int at " + at);
        }
        for (int at : new int[] {-1, 16}) {
            assertThrows(IndexOutOfBoundsException.class, () -> w.get(at), "byte at " + at);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> w.address(17));
        assertEquals(w.getLong(8), w.getLong(8), "the last long inside the window is readable");
        NativeBytes empty = NativeBytes.over(direct, 64, 0);
        assertThrows(IndexOutOfBoundsException.class, () -> empty.get(0));
        assertThrows(IndexOutOfBoundsException.class, () -> empty.getLong(0));
    }

    @Test
    void refusesAWindowOutsideItsBufferOrOfNegativeLength() {
        assertThrows(IndexOutOfBoundsException.class, () -> NativeBytes.over(direct, 60, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> NativeBytes.over(direct, -1, 8));
        assertThrows(IllegalArgumentException.class, () -> NativeBytes.over(ByteBuffer.allocate(8), 0, 8));
        assertThrows(IllegalArgumentException.class, () -> new NativeBytes().point(0, -1));
    }
}
