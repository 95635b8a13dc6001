package io.cellflow.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellflow.flow.FlowAbi;
import io.cellflow.it.TestNetwork;
import io.cellflow.policy.PolicyParser;
import io.cellflow.policy.PolicyTables;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The live-replace protocol against the kernel's real maps (object loaded, not attached): each apply writes the
 * idle slot and flips {@code cf_policy.active}; the previous generation stays whole until the next apply, which
 * replaces exactly it.
 */
class PolicyMapsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PolicyTables tables(String json) throws Exception {
        return PolicyTables.of(PolicyParser.parse(JSON.readTree(json), "policy"));
    }

    @Test
    void eachApplyFillsTheIdleSlotFlipsAndLeavesThePreviousGenerationUntilTheNext() throws Exception {
        String gap = TestNetwork.privilegeGap();
        Assumptions.assumeTrue(gap == null, "privileged BPF test skipped: " + gap);
        Native nat = Native.get();
        try (BpfObject object = BpfObject.openBundled(nat)) {
            object.load(java.util.List.of(FlowAbi.PROG_TC_INGRESS, FlowAbi.PROG_TC_EGRESS), FlowAbi.MAPS);
            PolicyMaps maps = new PolicyMaps(nat, object);
            assertEquals(FlowAbi.POLICY_OFF, ctl(nat, object)[0], "no policy until one is applied");

            // generation 1: three v4 CIDRs (two rules share one), one v6, into slot A
            assertEquals(1, maps.apply(tables("""
                    {"default": "deny", "rules": [
                      {"cidr": "198.18.1.2", "protocol": "udp", "ports": [7601], "action": "deny"},
                      {"cidr": "198.18.1.0/24", "action": "allow"},
                      {"cidr": "198.18.1.2/32", "action": "allow"},
                      {"cidr": "10.0.0.0/8", "action": "deny"},
                      {"cidr": "2001:2::/64", "action": "deny"}]}
                    """)));
            assertEquals(Map.of(FlowAbi.POLICY_SLOT_A, 3), slots(nat, object.mapFd(FlowAbi.MAP_POLICY_V4), 12));
            assertEquals(Map.of(FlowAbi.POLICY_SLOT_A, 1), slots(nat, object.mapFd(FlowAbi.MAP_POLICY_V6), 24));
            assertEquals(FlowAbi.POLICY_SLOT_A, ctl(nat, object)[0]);
            assertEquals(FlowAbi.ACTION_DENY, cfg(nat, object, FlowAbi.POLICY_SLOT_A)[0]);

            // generation 2 into slot B; generation 1 stays whole in A for packets that read the old slot
            assertEquals(2, maps.apply(tables("{\"default\":\"allow\",\"rules\":[{\"cidr\":\"192.0.2.0/24\","
                    + "\"action\":\"deny\"}]}")));
            assertEquals(Map.of(FlowAbi.POLICY_SLOT_A, 3, FlowAbi.POLICY_SLOT_B, 1),
                    slots(nat, object.mapFd(FlowAbi.MAP_POLICY_V4), 12));
            assertEquals(Map.of(FlowAbi.POLICY_SLOT_A, 1), slots(nat, object.mapFd(FlowAbi.MAP_POLICY_V6), 24));
            int[] c = ctl(nat, object);
            assertEquals(FlowAbi.POLICY_SLOT_B, c[0]);
            assertEquals(2, c[1]);
            assertEquals(FlowAbi.ACTION_ALLOW, cfg(nat, object, FlowAbi.POLICY_SLOT_B)[0]);
            assertEquals(2, cfg(nat, object, FlowAbi.POLICY_SLOT_B)[1]);

            // generation 3 replaces exactly generation 1 in A; B (live until the flip) is untouched
            assertEquals(3, maps.apply(tables("{\"default\":\"allow\",\"rules\":[]}")));
            assertEquals(Map.of(FlowAbi.POLICY_SLOT_B, 1), slots(nat, object.mapFd(FlowAbi.MAP_POLICY_V4), 12));
            assertEquals(Map.of(), slots(nat, object.mapFd(FlowAbi.MAP_POLICY_V6), 24));
            assertEquals(FlowAbi.POLICY_SLOT_A, ctl(nat, object)[0]);
            assertEquals(3, cfg(nat, object, FlowAbi.POLICY_SLOT_A)[1]);
            assertEquals(new PolicyCounters(0, 0), maps.counters(), "no packet has met the program");
        }
    }

    /** Entries per slot byte of an LPM trie, by walking its keys. */
    private static Map<Integer, Integer> slots(Native nat, int fd, int keySize) {
        Map<Integer, Integer> n = new TreeMap<>();
        Pointer key = nat.allocate(keySize);
        Pointer next = nat.allocate(keySize);
        Pointer cur = null;
        while (nat.libbpf().bpf_map_get_next_key(fd, cur, next) == 0) {
            n.merge(Byte.toUnsignedInt(next.getByte(FlowAbi.PolicyKey.SLOT)), 1, Integer::sum);
            byte[] b = new byte[keySize];
            next.get(0, b, 0, keySize);
            key.put(0, b, 0, keySize);
            cur = key;
        }
        return n;
    }

    /** {active, generation} of cf_policy. */
    private static int[] ctl(Native nat, BpfObject object) throws BpfException {
        ByteBuffer v = lookup(nat, object.mapFd(FlowAbi.MAP_POLICY), 0, FlowAbi.PolicyCtl.SIZE);
        return new int[] {v.getInt(FlowAbi.PolicyCtl.ACTIVE), v.getInt(FlowAbi.PolicyCtl.GENERATION)};
    }

    /** {default_action, generation} of a slot's cf_policy_cfg. */
    private static int[] cfg(Native nat, BpfObject object, int slot) throws BpfException {
        ByteBuffer v = lookup(nat, object.mapFd(FlowAbi.MAP_POLICY_CFG), slot - 1, FlowAbi.PolicyCfg.SIZE);
        return new int[] {v.getInt(FlowAbi.PolicyCfg.DEFAULT_ACTION), v.getInt(FlowAbi.PolicyCfg.GENERATION)};
    }

    private static ByteBuffer lookup(Native nat, int fd, int index, int size) {
        Pointer k = nat.allocate(4);
        k.putInt(0, index);
        Pointer v = nat.allocate(size);
        assertEquals(0, nat.libbpf().bpf_map_lookup_elem(fd, k, v));
        byte[] b = new byte[size];
        v.get(0, b, 0, size);
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    }
}
