package io.cellflow.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cellflow.flow.Decision;
import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowDecisionMapper;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKind;
import io.cellflow.flow.MonotonicClock;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Mutiny bridge is demand-driven: one batch per request, nothing while there is no demand, then completion. */
class FlowBatchesTest {
    private final FlowHub hub = new FlowHub(new FlowDecisionMapper("c", "r", null, "ebpf_tc", new MonotonicClock()),
            "p", 100, 100, item -> {});

    private void publish(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            hub.publish(new FlowEvent(FlowKind.OPENED, Direction.EGRESS, Decision.ALLOW,
                    InetAddress.getByName("198.18.0.1"), 1000 + i, InetAddress.getByName("198.18.0.2"), 53, 17, 0, 1,
                    60, System.nanoTime(), 2, 0));
        }
    }

    @Test
    void batchesFollowDemand() throws Exception {
        AssertSubscriber<List<StreamItem>> sub = FlowBatches.of(w -> hub.subscribe(-1, w), Runnable::run, 4)
                .subscribe().withSubscriber(AssertSubscriber.create(0));
        publish(10);
        assertEquals(0, sub.getItems().size(), "no demand, no batch");
        sub.request(1);
        assertEquals(List.of(4), sub.getItems().stream().map(List::size).toList());
        sub.request(5);
        assertEquals(List.of(4, 4, 2), sub.getItems().stream().map(List::size).toList(), "then parked");
        publish(1); // the wake-up delivers it against the remaining demand
        assertEquals(List.of(4, 4, 2, 1), sub.getItems().stream().map(List::size).toList());
        hub.complete();
        sub.assertCompleted();
    }

    @Test
    void cancellingLeavesTheHub() throws Exception {
        AssertSubscriber<List<StreamItem>> sub = FlowBatches.of(w -> hub.subscribe(-1, w), Runnable::run, 4)
                .subscribe().withSubscriber(AssertSubscriber.create(1));
        assertEquals(1, hub.clients());
        sub.cancel();
        assertEquals(0, hub.clients());
    }
}
