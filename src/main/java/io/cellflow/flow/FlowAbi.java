package io.cellflow.flow;

/**
 * The kernel ABI of {@code bpf/cellflow.h}, in one place: record sizes, field offsets, constants and the names
 * of the programs and maps in {@code cellflow.bpf.o}. {@code AbiLayoutTest} compiles the header and fails the
 * build when a number here no longer matches it.
 */
public final class FlowAbi {
    private FlowAbi() {}

    /** Object file bundled as a class-path resource by the Maven build ({@code bpf/build.sh}). */
    public static final String BUNDLED_OBJECT = "bpf/cellflow.bpf.o";

    public static final String PROG_TC_INGRESS = "cf_tc_ingress";
    public static final String PROG_TC_EGRESS = "cf_tc_egress";
    public static final String PROG_CG_INGRESS = "cf_cg_ingress";
    public static final String PROG_CG_EGRESS = "cf_cg_egress";
    public static final String MAP_FLOWS = "cf_flows";
    public static final String MAP_EVENTS = "cf_events";
    public static final String MAP_STATS = "cf_stats";
    public static final String RODATA_SECTION = ".rodata";
    public static final String VAR_WAKEUP_BYTES = "cf_wakeup_bytes";
    public static final String MAP_POLICY = "cf_policy";
    public static final String MAP_POLICY_CFG = "cf_policy_cfg";
    public static final String MAP_POLICY_V4 = "cf_policy_v4";
    public static final String MAP_POLICY_V6 = "cf_policy_v6";
    public static final String MAP_POLICY_STATS = "cf_policy_stats";
    /** every map user space uses after the load */
    public static final java.util.List<String> MAPS = java.util.List.of(MAP_FLOWS, MAP_EVENTS, MAP_STATS, MAP_POLICY,
            MAP_POLICY_CFG, MAP_POLICY_V4, MAP_POLICY_V6, MAP_POLICY_STATS);

    public static final int DIR_INGRESS = 0;
    public static final int DIR_EGRESS = 1;
    public static final int FAMILY_V4 = 4;
    public static final int FAMILY_V6 = 6;
    public static final int EVENT_FLOW_NEW = 1;
    public static final int DECISION_ALLOW = 0;
    public static final int DECISION_DENY = 1;

    /** cf_policy.active: no policy; otherwise the live slot, which is also the slot byte of the trie keys. */
    public static final int POLICY_OFF = 0;
    public static final int POLICY_SLOT_A = 1;
    public static final int POLICY_SLOT_B = 2;
    public static final int ACTION_ALLOW = 0;
    public static final int ACTION_DENY = 1;
    /** Sub-rules in one trie value: the rules of one CIDR. */
    public static final int POLICY_RULES_PER_CIDR = 8;
    /** Port ranges of one sub-rule. */
    public static final int POLICY_PORT_RANGES = 16;
    /** Distinct CIDRs of one family in one slot; the tries hold two slots. */
    public static final int POLICY_MAX_CIDRS = 256;
    /** Key prefixlen = this (the slot byte) + the CIDR's prefix length. */
    public static final int POLICY_SLOT_BITS = 8;

    /** struct cf_flow_event */
    public static final class Event {
        private Event() {}

        public static final int SIZE = 72;
        public static final int FIRST_NS = 0;
        public static final int PACKETS = 8;
        public static final int BYTES = 16;
        public static final int SADDR = 24;
        public static final int DADDR = 40;
        public static final int SPORT = 56;
        public static final int DPORT = 58;
        public static final int PROTO = 60;
        public static final int DIR = 61;
        public static final int FAMILY = 62;
        public static final int TCP_FLAGS = 63;
        public static final int KIND = 64;
        public static final int DECISION = 65;
        public static final int RULE_REF = 66;
        public static final int IFINDEX = 68;
    }

    /** struct cf_flow_key */
    public static final class Key {
        private Key() {}

        public static final int SIZE = 40;
        public static final int SADDR = 0;
        public static final int DADDR = 16;
        public static final int SPORT = 32;
        public static final int DPORT = 34;
        public static final int PROTO = 36;
        public static final int DIR = 37;
        public static final int FAMILY = 38;
    }

    /** struct cf_flow_val */
    public static final class Value {
        private Value() {}

        public static final int SIZE = 56;
        public static final int PACKETS = 0;
        public static final int BYTES = 8;
        public static final int FIRST_NS = 16;
        public static final int LAST_NS = 24;
        public static final int TCP_FLAGS = 32;
        public static final int FLAGS = 36;
        /** What the entry's ring record carried (0 and 0: no record). */
        public static final int REC_PACKETS = 40;
        public static final int REC_BYTES = 48;
    }

    /** struct cf_stats: six u64 counters, one copy per possible CPU. */
    public static final class Stats {
        private Stats() {}

        public static final int SIZE = 48;
        public static final int PACKETS = 0;
        public static final int NON_IP = 8;
        public static final int NEW_FLOWS = 16;
        public static final int RB_FAIL = 24;
        public static final int EVENTS = 32;
        public static final int MAP_FAIL = 40;
    }

    /** struct cf_policy_key_v4 / cf_policy_key_v6: host-order prefixlen, slot byte, address, zero padding. */
    public static final class PolicyKey {
        private PolicyKey() {}

        public static final int V4_SIZE = 12;
        public static final int V6_SIZE = 24;
        public static final int PREFIXLEN = 0;
        public static final int SLOT = 4;
        public static final int ADDR = 5;
    }

    /** struct cf_policy_rule (host-order numbers) and its struct cf_port_range entries. */
    public static final class PolicyRule {
        private PolicyRule() {}

        public static final int SIZE = 72;
        public static final int PROTO = 0;
        public static final int ACTION = 1;
        public static final int RULE_REF = 2;
        public static final int NPORTS = 4;
        public static final int PORTS = 8;
        public static final int PORT_RANGE_SIZE = 4;
        public static final int PORT_LO = 0;
        public static final int PORT_HI = 2;
    }

    /** struct cf_policy_val: the rules of one CIDR. */
    public static final class PolicyValue {
        private PolicyValue() {}

        public static final int SIZE = 584;
        public static final int NRULES = 0;
        public static final int RULES = 8;
    }

    /** struct cf_policy_cfg (two-slot array, index = slot - 1). */
    public static final class PolicyCfg {
        private PolicyCfg() {}

        public static final int SIZE = 8;
        public static final int DEFAULT_ACTION = 0;
        public static final int GENERATION = 4;
    }

    /** struct cf_policy (one-slot array): the live slot. */
    public static final class PolicyCtl {
        private PolicyCtl() {}

        public static final int SIZE = 8;
        public static final int ACTIVE = 0;
        public static final int GENERATION = 4;
    }

    /** struct cf_policy_stats: two u64 counters, one copy per possible CPU. */
    public static final class PolicyStats {
        private PolicyStats() {}

        public static final int SIZE = 16;
        public static final int CHECKED = 0;
        public static final int DENIED = 8;
    }
}
