package io.cellflow.policy;

import io.cellflow.flow.FlowAbi;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Policy} encoded for the kernel (bpf/cellflow.h): one LPM-trie entry per distinct CIDR, per family,
 * whose value holds that CIDR's rules in request order. Keys are produced per slot ({@link Entry#key(int)}), as
 * the two generations of a live replace differ only in the slot byte. Numbers are in host byte order, addresses
 * in network order, every padding byte zero. Immutable.
 */
public final class PolicyTables {
    private static final ByteOrder HOST = ByteOrder.nativeOrder();

    /** One trie entry: a CIDR and its encoded {@code struct cf_policy_val}. */
    public record Entry(Cidr cidr, byte[] value) {
        /** The {@code struct cf_policy_key_v4/v6} of this CIDR in {@code slot}. */
        public byte[] key(int slot) {
            byte[] addr = cidr.address();
            ByteBuffer b = ByteBuffer.allocate(addr.length == 4 ? FlowAbi.PolicyKey.V4_SIZE : FlowAbi.PolicyKey.V6_SIZE)
                    .order(HOST);
            b.putInt(FlowAbi.PolicyKey.PREFIXLEN, FlowAbi.POLICY_SLOT_BITS + cidr.prefixLength());
            b.put(FlowAbi.PolicyKey.SLOT, (byte) slot);
            b.put(FlowAbi.PolicyKey.ADDR, addr);
            return b.array();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }
    }

    private final int defaultAction;
    private final List<Entry> v4;
    private final List<Entry> v6;

    private PolicyTables(int defaultAction, List<Entry> v4, List<Entry> v6) {
        this.defaultAction = defaultAction;
        this.v4 = List.copyOf(v4);
        this.v6 = List.copyOf(v6);
    }

    /** Rules sharing a CIDR merge into one entry, in request order (the parser bounds them per CIDR). */
    public static PolicyTables of(Policy policy) {
        Map<Cidr, List<Rule>> byCidr = new LinkedHashMap<>();
        for (Rule r : policy.rules()) {
            byCidr.computeIfAbsent(r.cidr(), c -> new ArrayList<>()).add(r);
        }
        List<Entry> v4 = new ArrayList<>();
        List<Entry> v6 = new ArrayList<>();
        for (Map.Entry<Cidr, List<Rule>> e : byCidr.entrySet()) {
            Entry entry = new Entry(e.getKey(), value(e.getValue()));
            (e.getKey().family() == 4 ? v4 : v6).add(entry);
        }
        return new PolicyTables(action(policy.defaultAction()), v4, v6);
    }

    /** {@code struct cf_policy_val} of one CIDR. */
    static byte[] value(List<Rule> rules) {
        if (rules.isEmpty() || rules.size() > FlowAbi.POLICY_RULES_PER_CIDR) {
            throw new IllegalArgumentException(rules.size() + " rules for one CIDR");
        }
        ByteBuffer b = ByteBuffer.allocate(FlowAbi.PolicyValue.SIZE).order(HOST);
        b.putInt(FlowAbi.PolicyValue.NRULES, rules.size());
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            int at = FlowAbi.PolicyValue.RULES + i * FlowAbi.PolicyRule.SIZE;
            if (r.ports().size() > FlowAbi.POLICY_PORT_RANGES || r.ref() > 0xffff) {
                throw new IllegalArgumentException("rule " + r.ref() + " exceeds the kernel's limits");
            }
            b.put(at + FlowAbi.PolicyRule.PROTO, (byte) (r.protocol() == null ? 0 : r.protocol().number()));
            b.put(at + FlowAbi.PolicyRule.ACTION, (byte) action(r.action()));
            b.putShort(at + FlowAbi.PolicyRule.RULE_REF, (short) r.ref());
            b.put(at + FlowAbi.PolicyRule.NPORTS, (byte) r.ports().size());
            for (int j = 0; j < r.ports().size(); j++) {
                int p = at + FlowAbi.PolicyRule.PORTS + j * FlowAbi.PolicyRule.PORT_RANGE_SIZE;
                b.putShort(p + FlowAbi.PolicyRule.PORT_LO, (short) r.ports().get(j).lo());
                b.putShort(p + FlowAbi.PolicyRule.PORT_HI, (short) r.ports().get(j).hi());
            }
        }
        return b.array();
    }

    private static int action(Action a) {
        return a == Action.DENY ? FlowAbi.ACTION_DENY : FlowAbi.ACTION_ALLOW;
    }

    /** {@code FlowAbi.ACTION_ALLOW} or {@code ACTION_DENY}. */
    public int defaultAction() {
        return defaultAction;
    }

    public List<Entry> v4() {
        return v4;
    }

    public List<Entry> v6() {
        return v6;
    }
}
