package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrainPressureTest {
    private final List<DrainPressure> requests = new ArrayList<>();

    @Test
    void asksOnceWhenTheRecordsSinceTheLastDrainReachTheThreshold() {
        DrainPressure p = new DrainPressure(100, requests::add);
        p.recorded(60);
        assertEquals(0, requests.size());
        p.recorded(40);
        assertEquals(1, requests.size(), "at the threshold");
        p.recorded(500);
        p.recorded(500);
        assertEquals(1, requests.size(), "one request outstanding, however many records follow");
    }

    @Test
    void aDrainStartsTheCountAfreshAndADoneRequestMayBeFollowedByAnother() {
        DrainPressure p = new DrainPressure(100, requests::add);
        p.recorded(150);
        p.draining();
        p.recorded(30); // arrived while that drain ran
        requests.get(0).requestDone();
        assertEquals(30, p.sinceDrain());
        p.recorded(60);
        assertEquals(1, requests.size(), "90 since the drain: below the threshold");
        p.recorded(10);
        assertEquals(2, requests.size());
    }

    @Test
    void recordsThatArriveDuringTheRequestedDrainAskAgainOnTheNextBatch() {
        DrainPressure p = new DrainPressure(100, requests::add);
        p.recorded(100);
        p.draining();
        p.recorded(120); // the table filled again before the drain finished
        assertEquals(1, requests.size());
        p.requestDone();
        p.recorded(1);
        assertEquals(2, requests.size(), "the next batch finds the count past the threshold");
    }

    @Test
    void aPeriodicDrainAlsoResetsTheCount() {
        DrainPressure p = new DrainPressure(100, requests::add);
        p.recorded(99);
        p.draining();
        p.recorded(99);
        assertEquals(0, requests.size());
    }

    @Test
    void thresholdIsAFractionOfTheTableAndZeroTurnsItOff() {
        assertEquals(8192, DrainPressure.threshold(16384, 0.5));
        assertEquals(16384, DrainPressure.threshold(16384, 3.0), "at most the whole table");
        assertEquals(1, DrainPressure.threshold(1, 0.1), "at least one record");
        assertEquals(0, DrainPressure.threshold(16384, 0));
        DrainPressure off = new DrainPressure(0, requests::add);
        off.recorded(1_000_000);
        assertEquals(0, requests.size());
    }
}
