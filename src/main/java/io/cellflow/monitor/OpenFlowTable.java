package io.cellflow.monitor;

import io.cellflow.flow.Direction;
import io.cellflow.flow.FlowKey;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The ledger's open flows by key: an open-addressing table (linear probing, at most half full, backward-shift
 * deletion) of flows that carry their own key fields, so a lookup by a decoded record's fields allocates nothing.
 * Not thread-safe: the ledger's lock guards it.
 */
final class OpenFlowTable {
    /** One open flow: its key and what the ledger tracks for it. */
    static final class Flow {
        final Direction direction;
        final int protocol;
        final long srcHi;
        final long srcLo;
        final int srcPort;
        final long dstHi;
        final long dstLo;
        final int dstPort;
        final int hash;
        long packets;
        long bytes;
        long lastNanos;
        int tcpFlags;
        boolean ending;
        long lastActiveRound;
        long lastActiveAt;

        Flow(Direction direction, int protocol, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo,
                int dstPort) {
            this.direction = direction;
            this.protocol = protocol;
            this.srcHi = srcHi;
            this.srcLo = srcLo;
            this.srcPort = srcPort;
            this.dstHi = dstHi;
            this.dstLo = dstLo;
            this.dstPort = dstPort;
            this.hash = FlowKey.hash(direction, protocol, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort);
        }

        Flow(FlowKey k) {
            this(k.direction(), k.protocol(), k.srcHi(), k.srcLo(), k.srcPort(), k.dstHi(), k.dstLo(), k.dstPort());
        }

        boolean is(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp) {
            return srcLo == sl && dstLo == dl && srcPort == sp && dstPort == dp && srcHi == sh && dstHi == dh
                    && protocol == proto && direction == d;
        }
    }

    private static final int MIN_CAPACITY = 64;

    private Flow[] slots = new Flow[MIN_CAPACITY];
    private int size;

    int size() {
        return size;
    }

    Flow get(FlowKey k) {
        return get(k.direction(), k.protocol(), k.srcHi(), k.srcLo(), k.srcPort(), k.dstHi(), k.dstLo(),
                k.dstPort());
    }

    Flow get(Direction d, int proto, long sh, long sl, int sp, long dh, long dl, int dp) {
        Flow[] s = slots;
        int mask = s.length - 1;
        for (int i = FlowKey.hash(d, proto, sh, sl, sp, dh, dl, dp) & mask; ; i = (i + 1) & mask) {
            Flow f = s[i];
            if (f == null || f.is(d, proto, sh, sl, sp, dh, dl, dp)) {
                return f;
            }
        }
    }

    /** Adds a flow whose key is not in the table yet (the caller looked it up). */
    void add(Flow flow) {
        if (2 * (size + 1) > slots.length) {
            resize(slots.length * 2);
        }
        insert(slots, flow);
        size++;
    }

    /** Removes this very flow; false if it is not in the table. */
    boolean remove(Flow flow) {
        Flow[] s = slots;
        int mask = s.length - 1;
        int i = flow.hash & mask;
        while (s[i] != flow) {
            if (s[i] == null) {
                return false;
            }
            i = (i + 1) & mask;
        }
        s[i] = null;
        size--;
        // shift back the run after the hole, so every flow stays reachable from its home slot
        for (int j = (i + 1) & mask; s[j] != null; j = (j + 1) & mask) {
            int home = s[j].hash & mask;
            boolean homeInHole = i <= j ? home <= i || home > j : home <= i && home > j;
            if (homeInHole) {
                s[i] = s[j];
                s[j] = null;
                i = j;
            }
        }
        if (slots.length > MIN_CAPACITY && 8 * size < slots.length) {
            resize(slots.length / 2); // give back the memory of a burst
        }
        return true;
    }

    /** The flows {@code which} accepts, in table order. */
    List<Flow> select(Predicate<Flow> which) {
        List<Flow> out = new ArrayList<>();
        for (Flow f : slots) {
            if (f != null && which.test(f)) {
                out.add(f);
            }
        }
        return out;
    }

    void clear() {
        slots = new Flow[MIN_CAPACITY];
        size = 0;
    }

    private void resize(int capacity) {
        Flow[] bigger = new Flow[capacity];
        for (Flow f : slots) {
            if (f != null) {
                insert(bigger, f);
            }
        }
        slots = bigger;
    }

    private static void insert(Flow[] s, Flow flow) {
        int mask = s.length - 1;
        int i = flow.hash & mask;
        while (s[i] != null) {
            i = (i + 1) & mask;
        }
        s[i] = flow;
    }
}
