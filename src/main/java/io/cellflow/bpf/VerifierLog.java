package io.cellflow.bpf;

import java.util.Arrays;
import java.util.List;

/** Cuts the BPF verifier's log down to what explains a rejection: its last lines. */
final class VerifierLog {
    private static final int LINES = 8;
    private static final int MAX_CHARS = 1200;

    private VerifierLog() {}

    static String excerpt(String log) {
        List<String> lines = Arrays.stream(log.split("\n")).map(String::strip).filter(l -> !l.isEmpty()).toList();
        String tail = String.join(" | ", lines.subList(Math.max(0, lines.size() - LINES), lines.size()));
        return tail.length() <= MAX_CHARS ? tail : "..." + tail.substring(tail.length() - MAX_CHARS);
    }
}
