package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuietTableTest {

    @Test
    void aCellWithoutNewFlowRecordsSkipsTheWalkAndOneWithRecordsWalks() {
        QuietTable q = new QuietTable(0);
        assertTrue(q.skipWalk(0));
        assertFalse(q.skipWalk(1), "an insert since the last drain: the table may hold it");
        assertTrue(q.skipWalk(0));
    }

    @Test
    void aRingLossMakesTheNextRoundWalkOnce() {
        QuietTable q = new QuietTable(0);
        q.ringLosses(0);
        assertTrue(q.skipWalk(0), "no loss yet");
        q.ringLosses(3); // three inserts whose record did not fit
        assertFalse(q.skipWalk(0));
        assertTrue(q.skipWalk(0), "that walk took them");
        q.ringLosses(3);
        assertTrue(q.skipWalk(0), "the same count again is no new loss");
    }

    @Test
    void everyTableIsWalkedAtLeastEveryWalkEveryRounds() {
        QuietTable q = new QuietTable(0);
        int walks = 0;
        for (int round = 0; round < 10 * QuietTable.WALK_EVERY; round++) {
            if (!q.skipWalk(0)) {
                walks++;
            }
        }
        assertEquals(10, walks);
    }

    @Test
    void theBackstopWalksOfManyCellsSpreadOverTheRounds() {
        List<QuietTable> cells = new ArrayList<>();
        for (int i = 0; i < 10 * QuietTable.WALK_EVERY; i++) {
            cells.add(new QuietTable(("c" + i).hashCode()));
        }
        int[] walksPerRound = new int[QuietTable.WALK_EVERY];
        for (int round = 0; round < QuietTable.WALK_EVERY; round++) {
            for (QuietTable q : cells) {
                if (!q.skipWalk(0)) {
                    walksPerRound[round]++;
                }
            }
        }
        int total = 0;
        for (int w : walksPerRound) {
            total += w;
            assertTrue(w < cells.size() / 2, "no round walks most of the cells: " + java.util.Arrays.toString(walksPerRound));
        }
        assertEquals(cells.size(), total, "each cell walked once in WALK_EVERY rounds");
    }
}
