package io.cellflow.monitor;

import io.cellflow.flow.Direction;
import io.cellflow.flow.DrainedFlows;
import io.cellflow.flow.FlowCounters;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.IpAddr;
import io.cellflow.flow.MonotonicClock;
import java.time.Duration;
import java.util.Arrays;

/**
 * Not a test: what one drain round costs the drain thread with many open flows of which few close, as after a
 * burst (the window after a max-rate one starts with about a million). Prints numbers, asserts nothing. Run it
 * against another build's ledger by putting that build's classes first on the class path:
 * {@code java -cp target/test-classes:target/classes io.cellflow.monitor.ClosePassBench [openFlows] [rounds]}.
 */
public final class ClosePassBench {
    public static void main(String[] args) {
        int open = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int active = 2_000; // flows with packets per round
        int fins = 20; // of which saw FIN: they close in the next round
        FlowHub hub = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", new MonotonicClock()), "p",
                1000, 1000, item -> {});
        FlowLedger ledger = new FlowLedger(hub, Duration.ofSeconds(30).toNanos());
        int port = 0;
        for (int from = 0; from < open; from += 65_536) {
            DrainedFlows d = new DrainedFlows();
            for (int i = from; i < Math.min(open, from + 65_536); i++) {
                d.add(key(port++), new FlowCounters(1, 100, 10, 20, 0x10));
            }
            ledger.drained(d);
        }
        ledger.endOfDrain();
        long[] drain = new long[rounds];
        long[] close = new long[rounds];
        int next = 0; // the next flow to be active; FIN flows close, so new ones take their place
        for (int round = 0; round < rounds; round++) {
            DrainedFlows d = new DrainedFlows();
            for (int i = 0; i < active; i++) {
                d.add(key(next++ % open), new FlowCounters(1, 100, 10, 20, i < fins ? 0x11 : 0x10));
            }
            long t0 = System.nanoTime();
            ledger.drained(d);
            long t1 = System.nanoTime();
            ledger.endOfDrain();
            long t2 = System.nanoTime();
            drain[round] = t1 - t0;
            close[round] = t2 - t1;
        }
        int warm = rounds / 3; // the first rounds run before the JIT compiled the pass
        System.out.printf("open=%d active/round=%d fin/round=%d rounds=%d (first %d not counted) open at end=%d"
                + " closed=%d%n", open, active, fins, rounds, warm, ledger.openFlows(), ledger.closedFlows());
        System.out.printf("drained() per round: median %.3f ms  endOfDrain() per round: median %.3f ms, min %.3f ms%n",
                median(drain, warm) / 1e6, median(close, warm) / 1e6,
                Arrays.stream(close, warm, rounds).min().getAsLong() / 1e6);
    }

    private static FlowKey key(int n) {
        return new FlowKey(Direction.EGRESS, 6, 0, IpAddr.v4Lo(0xc6120000 | n >>> 16), 1 + (n & 0xffff), 0,
                IpAddr.v4Lo(0xc6130001), 80);
    }

    private static double median(long[] v, int from) {
        long[] s = Arrays.copyOfRange(v, from, v.length);
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
