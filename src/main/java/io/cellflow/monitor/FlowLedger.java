package io.cellflow.monitor;

import io.cellflow.flow.Decision;
import io.cellflow.flow.FlowCounters;
import io.cellflow.flow.FlowEvent;
import io.cellflow.flow.FlowKey;
import io.cellflow.flow.FlowKind;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One cell's open flows, as an auditor would reconcile them: each flow is opened once, updated with the packets
 * and bytes counted since its previous report, and closed with its totals, so the updates of a flow add up to its
 * close and to what the kernel counted.
 *
 * <p>Inputs: first sightings from the ring buffer (poller thread) and drained flow-table counts (drain thread).
 * The drain deletes the kernel's entries, so the flow's next packet makes the kernel report it as new again: a
 * sighting of a flow already open is a continuation, not a second flow. A drain may also see a flow before its
 * ring record was read: it is opened then. A flow closes when it saw FIN or RST and then a drain with no new
 * packets (so the final ACKs count), or when idle past the timeout. Unique flows count openings, so a flow seen
 * twice counts once, and a close without an open cannot happen. Thread-safe.
 */
final class FlowLedger {
    private final FlowHub hub;
    private final long idleNanos;
    private final Map<FlowKey, OpenFlow> open = new HashMap<>();
    private long uniqueFlows;
    private long closedFlows;
    private long round;

    private static final class OpenFlow {
        final FlowEvent first;
        long packets;
        long bytes;
        long lastNanos;
        int tcpFlags;
        boolean ending;
        long lastActiveRound;
        long lastActiveAt;

        OpenFlow(FlowEvent first, long round, long now) {
            this.first = first;
            this.lastNanos = first.monotonicNanos();
            this.lastActiveRound = round;
            this.lastActiveAt = now;
        }
    }

    FlowLedger(FlowHub hub, long idleNanos) {
        this.hub = hub;
        this.idleNanos = idleNanos;
    }

    /** A ring-buffer sighting: opens the flow unless it is already open. */
    synchronized void sighted(FlowEvent event) {
        if (event.kind() != FlowKind.OPENED || event.decision() != Decision.ALLOW) {
            hub.publish(event); // not part of a flow's life (e.g. a denied packet): passed on as it is
            return;
        }
        FlowKey key = FlowKey.of(event);
        if (!open.containsKey(key)) {
            open.put(key, new OpenFlow(event, round, System.nanoTime()));
            uniqueFlows++;
            hub.publish(event);
        }
    }

    /** Counts drained from the kernel for one flow: an update, opening the flow first if needed. */
    synchronized void drained(FlowKey key, FlowCounters c) {
        long now = System.nanoTime();
        OpenFlow f = open.get(key);
        if (f == null) {
            FlowEvent opened = event(FlowKind.OPENED, key, c.packets(), c.bytes(), c.firstNanos(), c.tcpFlags());
            f = new OpenFlow(opened, round, now);
            open.put(key, f);
            uniqueFlows++;
            hub.publish(opened);
        }
        if (c.packets() == 0) {
            return;
        }
        f.packets += c.packets();
        f.bytes += c.bytes();
        f.lastNanos = Math.max(f.lastNanos, c.lastNanos());
        f.tcpFlags |= c.tcpFlags();
        f.ending |= c.ending();
        f.lastActiveRound = round;
        f.lastActiveAt = now;
        hub.publish(event(FlowKind.UPDATED, key, c.packets(), c.bytes(), c.lastNanos(), c.tcpFlags()));
    }

    /** After a drain: closes ended and idle flows. */
    synchronized void endOfDrain() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<FlowKey, OpenFlow>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<FlowKey, OpenFlow> e = it.next();
            OpenFlow f = e.getValue();
            boolean endedAndQuiet = f.ending && f.lastActiveRound < round;
            if (endedAndQuiet || now - f.lastActiveAt >= idleNanos) {
                it.remove();
                close(e.getKey(), f);
            }
        }
        round++;
    }

    /** The monitor stops: every open flow closes with its totals. */
    synchronized void closeAll() {
        for (Map.Entry<FlowKey, OpenFlow> e : open.entrySet()) {
            close(e.getKey(), e.getValue());
        }
        open.clear();
    }

    private void close(FlowKey key, OpenFlow f) {
        closedFlows++;
        hub.publish(event(FlowKind.CLOSED, key, f.packets, f.bytes, f.lastNanos, f.tcpFlags));
    }

    synchronized long uniqueFlows() {
        return uniqueFlows;
    }

    synchronized long openFlows() {
        return open.size();
    }

    synchronized long closedFlows() {
        return closedFlows;
    }

    private static FlowEvent event(FlowKind kind, FlowKey k, long packets, long bytes, long nanos, int tcpFlags) {
        return new FlowEvent(kind, k.direction(), Decision.ALLOW, k.src(), k.srcPort(), k.dst(), k.dstPort(),
                k.protocol(), tcpFlags & 0xff, packets, bytes, nanos, 0, 0);
    }
}
