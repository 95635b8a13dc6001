package io.cellflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** observed_at stays byte-identical to ISO_INSTANT: fraction in groups of three, none when zero, any year. */
class InstantTextTest {
    private final InstantText text = new InstantText();

    private void check(long epochNanos) {
        Instant i = Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L));
        assertEquals(DateTimeFormatter.ISO_INSTANT.format(i), text.format(epochNanos));
    }

    @Test
    void fractionsAndSecondBoundaries() {
        long base = Instant.parse("2026-11-22T00:49:00Z").getEpochSecond() * 1_000_000_000L;
        for (long n : new long[] {0, 1, 10, 999, 1_000, 10_000, 999_000, 1_000_000, 100_000_000, 120_000_000,
            303_008_808, 303_008_000, 303_000_000, 999_999_999, 1_000_000_000, 59_999_999_999L, 60_000_000_000L,
            -1, -1_000_000_000L}) {
            check(base + n);
        }
        check(0);
        check(-1);
        check(Long.MAX_VALUE);
        check(Long.MIN_VALUE);
    }

    @Test
    void randomStampsInOrderAndOutOfOrder() {
        Random r = new Random(7);
        long t = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < 20_000; i++) {
            t += r.nextInt(3) == 0 ? -r.nextInt(2_000_000_000) : r.nextInt(50_000_000);
            long n = switch (i % 4) {
                case 0 -> t / 1_000_000 * 1_000_000;
                case 1 -> t / 1_000 * 1_000;
                default -> t;
            };
            check(n);
        }
    }
}
