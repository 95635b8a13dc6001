package io.cellflow.monitor;

import io.cellflow.config.CellflowConfig;
import io.smallrye.mutiny.Multi;
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

    public Multi<StreamItem> subscribe() {
        return fanout.subscribe(List.of());
    }

    public int clients() {
        return fanout.clients();
    }

    long drops() {
        return fanout.drops();
    }
}
