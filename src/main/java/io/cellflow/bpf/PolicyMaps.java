package io.cellflow.bpf;

import io.cellflow.flow.FlowAbi;
import io.cellflow.policy.PolicyTables;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * Writes a cell's policy into the maps of its loaded object and replaces it live, so that a packet never sees a
 * half-written policy.
 *
 * <p>The maps are double-buffered (bpf/cellflow.h): the tries hold two generations, told apart by the slot byte
 * that leads every key, and {@code cf_policy.active} names the live slot. A packet reads {@code active} once and
 * then looks only at that slot. {@link #apply} therefore:
 *
 * <ol>
 *   <li>empties the idle slot: it holds the generation before the live one, which no packet has been able to
 *       reach since the previous apply flipped away from it;
 *   <li>writes the new generation into the idle slot, every trie entry and then its default action
 *       ({@code cf_policy_cfg[slot - 1]}); no packet looks there yet;
 *   <li>flips {@code cf_policy.active} to that slot: one map update whose only word the program reads changes
 *       only in its low byte (0, 1, 2), so no reader can see a torn value. Packets that read {@code active}
 *       before the flip finish on the old generation, which stays intact until the next apply.
 * </ol>
 *
 * Leaving the previous generation in place until the next apply is what makes step 1 safe: deleting it right
 * after the flip could pull entries from under a packet that read the old slot a moment earlier (a program run
 * is microseconds; an apply is many syscalls and an HTTP request). A failure in step 1 or 2 leaves the live
 * policy untouched (what was written to the idle slot is removed again); step 3 is a single update.
 *
 * <p>Thread-safe (every method is synchronized). Holds no fds of its own: the maps belong to the object.
 */
final class PolicyMaps {
    private static final int ENOENT = 2;
    private static final ByteOrder HOST = ByteOrder.nativeOrder();

    private final Native nat;
    private final int ctlFd;
    private final int cfgFd;
    private final int v4Fd;
    private final int v6Fd;
    private final int statsFd;
    private final int cpus;
    private final Pointer key;
    private final Pointer value;
    private final Pointer stats;
    /** Keys written per slot (index = slot), to empty exactly them again. */
    private final List<List<Written>> written = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    private int active = FlowAbi.POLICY_OFF;
    private int generation;

    private record Written(int fd, byte[] key) {}

    PolicyMaps(Native nat, BpfObject object) throws BpfException {
        this.nat = nat;
        this.ctlFd = object.mapFd(FlowAbi.MAP_POLICY);
        this.cfgFd = object.mapFd(FlowAbi.MAP_POLICY_CFG);
        this.v4Fd = object.mapFd(FlowAbi.MAP_POLICY_V4);
        this.v6Fd = object.mapFd(FlowAbi.MAP_POLICY_V6);
        this.statsFd = object.mapFd(FlowAbi.MAP_POLICY_STATS);
        this.cpus = Math.max(1, nat.libbpf().libbpf_num_possible_cpus());
        this.key = nat.allocate(Math.max(FlowAbi.PolicyKey.V6_SIZE, 4));
        this.value = nat.allocate(Math.max(FlowAbi.PolicyValue.SIZE, FlowAbi.PolicyStats.SIZE * cpus));
        this.stats = value;
    }

    /**
     * Makes {@code tables} the live policy (see the class comment for the order of the writes).
     *
     * @return the generation now live, 1 for the first policy
     * @throws BpfException POLICY with the kernel's errno; the policy that was live stays live
     */
    synchronized int apply(PolicyTables tables) throws BpfException {
        int slot = active == FlowAbi.POLICY_SLOT_A ? FlowAbi.POLICY_SLOT_B : FlowAbi.POLICY_SLOT_A;
        int gen = generation + 1;

        // step 1: empty the idle slot
        empty(slot);

        // step 2: the new generation into the idle slot, entries first, then its default action
        try {
            for (PolicyTables.Entry e : tables.v4()) {
                put(v4Fd, e.key(slot), e.value(), "cf_policy_v4 " + e.cidr().text());
                written.get(slot).add(new Written(v4Fd, e.key(slot)));
            }
            for (PolicyTables.Entry e : tables.v6()) {
                put(v6Fd, e.key(slot), e.value(), "cf_policy_v6 " + e.cidr().text());
                written.get(slot).add(new Written(v6Fd, e.key(slot)));
            }
            put(cfgFd, u32(slot - 1), cfg(tables.defaultAction(), gen), "cf_policy_cfg");

            // step 3: the flip
            put(ctlFd, u32(0), ctl(slot, gen), "cf_policy");
        } catch (BpfException e) {
            try {
                empty(slot);
            } catch (BpfException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        active = slot;
        generation = gen;
        return gen;
    }

    /** The program's policy counters, summed over CPUs; zero if they cannot be read. */
    synchronized PolicyCounters counters() {
        key.putInt(0, 0);
        if (nat.libbpf().bpf_map_lookup_elem(statsFd, key, stats) != 0) {
            return PolicyCounters.ZERO;
        }
        long checked = 0;
        long denied = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            long base = (long) cpu * FlowAbi.PolicyStats.SIZE;
            checked += stats.getLong(base + FlowAbi.PolicyStats.CHECKED);
            denied += stats.getLong(base + FlowAbi.PolicyStats.DENIED);
        }
        return new PolicyCounters(checked, denied);
    }

    /** Deletes every trie entry we wrote into {@code slot}; one already gone (ENOENT) is fine. */
    private void empty(int slot) throws BpfException {
        List<Written> keys = written.get(slot);
        while (!keys.isEmpty()) {
            Written w = keys.get(keys.size() - 1);
            key.put(0, w.key(), 0, w.key().length);
            int rc = nat.libbpf().bpf_map_delete_elem(w.fd(), key);
            if (rc != 0 && Errno.of(rc).number() != ENOENT) {
                throw new BpfException(BpfException.Stage.POLICY, Errno.of(rc),
                        "cannot delete a stale policy entry of slot " + slot);
            }
            keys.remove(keys.size() - 1);
        }
    }

    private void put(int fd, byte[] k, byte[] v, String what) throws BpfException {
        key.put(0, k, 0, k.length);
        value.put(0, v, 0, v.length);
        int rc = nat.libbpf().bpf_map_update_elem(fd, key, value, LibBpf.BPF_ANY);
        if (rc != 0) {
            throw new BpfException(BpfException.Stage.POLICY, Errno.of(rc), "cannot write " + what);
        }
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(HOST).putInt(0, v).array();
    }

    private static byte[] cfg(int defaultAction, int gen) {
        return ByteBuffer.allocate(FlowAbi.PolicyCfg.SIZE).order(HOST)
                .putInt(FlowAbi.PolicyCfg.DEFAULT_ACTION, defaultAction).putInt(FlowAbi.PolicyCfg.GENERATION, gen)
                .array();
    }

    private static byte[] ctl(int slot, int gen) {
        return ByteBuffer.allocate(FlowAbi.PolicyCtl.SIZE).order(HOST)
                .putInt(FlowAbi.PolicyCtl.ACTIVE, slot).putInt(FlowAbi.PolicyCtl.GENERATION, gen).array();
    }
}
