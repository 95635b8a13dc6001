package io.cellflow.flow;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Writes an instant exactly as {@link DateTimeFormatter#ISO_INSTANT} does ({@code 2026-11-22T00:49:54.303008808Z}:
 * the fraction in groups of three digits, none when zero), but from epoch nanoseconds and with the text up to the
 * seconds cached: events of one second share it, so an event costs the fraction and one string. Thread-safe (the
 * cache is one immutable value; a race at most formats a second twice).
 */
final class InstantText {
    private static final long NANOS = 1_000_000_000L;

    /** {@code yyyy-MM-ddTHH:mm:ss} of one epoch second, as ISO_INSTANT writes it, in Latin-1 bytes. */
    private record Second(long epochSecond, byte[] prefix) {}

    private volatile Second cached = new Second(Long.MIN_VALUE, new byte[0]);

    /**
     * Room for the longest text: epoch nanoseconds in a long span the years 1677 to 2262, so the seconds part is
     * always 19 characters, plus {@code .nnnnnnnnnZ}.
     */
    static final int MAX_LENGTH = 32;

    String format(long epochNanos) {
        byte[] out = new byte[MAX_LENGTH];
        int n = formatInto(epochNanos, out, 0);
        return new String(out, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** Writes the text into {@code out} from {@code pos} (room for {@link #MAX_LENGTH} bytes); returns the end. */
    int formatInto(long epochNanos, byte[] out, int pos) {
        long second = Math.floorDiv(epochNanos, NANOS);
        int nano = (int) Math.floorMod(epochNanos, NANOS);
        Second s = cached;
        if (s.epochSecond != second) {
            String text = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(second)); // ends in 'Z'
            s = new Second(second, text.substring(0, text.length() - 1).getBytes(StandardCharsets.ISO_8859_1));
            cached = s;
        }
        byte[] p = s.prefix;
        System.arraycopy(p, 0, out, pos, p.length);
        int n = pos + p.length;
        if (nano > 0) {
            out[n++] = '.';
            int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
            int div = 100_000_000;
            for (int i = 0; i < digits; i++) {
                out[n++] = (byte) ('0' + nano / div % 10);
                div /= 10;
            }
        }
        out[n++] = 'Z';
        return n;
    }
}
