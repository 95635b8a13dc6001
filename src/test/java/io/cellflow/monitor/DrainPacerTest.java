package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pacer spreads a round's budget over the gaps it expects, on a clock of its own, and never overruns it. */
class DrainPacerTest {
    private long now;
    private final List<Long> parks = new ArrayList<>();
    private final DrainPacer pacer = new DrainPacer(100_000, () -> now, n -> {
        parks.add(n);
        now += n;
    });

    @Test
    void spreadsOneCellsChunksEvenlyOverTheBudget() {
        pacer.beginRound();
        for (int left = 4; left >= 1; left--) { // 5 chunks: 4 gaps
            pacer.betweenChunks(left);
        }
        pacer.endRound();
        assertEquals(List.of(25_000L, 25_000L, 25_000L, 25_000L), parks);
    }

    @Test
    void leavesTheRestOfTheBudgetToTheCellsThatCameLastRound() {
        // round 1: two cells of 3 gaps each; with no estimate yet, the first cell's gaps take the whole budget
        pacer.beginRound();
        for (int left = 3; left >= 1; left--) {
            pacer.betweenChunks(left);
        }
        for (int left = 3; left >= 1; left--) {
            pacer.betweenChunks(left);
        }
        pacer.endRound();
        parks.clear();
        // round 2: the previous round had 6 gaps, so the first cell's 3 gaps get a sixth of the budget each
        pacer.beginRound();
        for (int left = 3; left >= 1; left--) {
            pacer.betweenChunks(left);
        }
        assertEquals(List.of(16_666L, 16_666L, 16_667L), parks);
    }

    @Test
    void pastTheBudgetNothingWaits() {
        pacer.beginRound();
        now += 200_000; // the kernel part of the drain took the whole budget
        pacer.betweenChunks(3);
        pacer.betweenChunks(2);
        assertEquals(List.of(), parks);
    }

    @Test
    void aGapIsAtMostTheMaximum() {
        DrainPacer slow = new DrainPacer(10 * DrainPacer.MAX_GAP_NANOS, () -> now, parks::add);
        slow.beginRound();
        slow.betweenChunks(1);
        assertEquals(List.of(DrainPacer.MAX_GAP_NANOS), parks);
    }

    @Test
    void anEarlyDrainWaitingEndsThePacing() {
        boolean[] waiting = {false};
        DrainPacer hurried = new DrainPacer(100_000, () -> now, parks::add, () -> waiting[0]);
        hurried.beginRound();
        hurried.betweenChunks(3);
        waiting[0] = true; // a cell's table passed its pressure mark: its early drain is queued behind this round
        hurried.betweenChunks(2);
        hurried.betweenChunks(1);
        assertEquals(1, parks.size(), "only the gap before the early drain was queued");
    }
}
