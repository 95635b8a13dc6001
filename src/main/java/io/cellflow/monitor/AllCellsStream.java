package io.cellflow.monitor;

import io.cellflow.config.CellflowConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Every cell's events on one stream ({@code GET /flows}): live only, no replay. */
@ApplicationScoped
public class AllCellsStream {
    private final Fanout fanout;

    AllCellsStream(CellflowConfig config) {
        this.fanout = new Fanout(config.stream().clientBuffer());
    }

    /** Called by every cell's hub; serialised here because hubs publish from their own locks. */
    synchronized void offer(StreamItem item) {
        fanout.offer(item);
    }

    /** {@link #offer(StreamItem)} for {@code items[0..n)} in order; the array is not kept. */
    synchronized void offer(StreamItem[] items, int n) {
        fanout.offer(items, n);
    }

    /** A live-only client; {@code wakeup} as for {@link FlowHub#subscribe}. */
    public FlowSubscription subscribe(Runnable wakeup) {
        return fanout.subscribe(List.of(), wakeup);
    }

    public int clients() {
        return fanout.clients();
    }

    long drops() {
        return fanout.drops();
    }
}
