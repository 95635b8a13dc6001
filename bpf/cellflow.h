/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cellflow.h - the kernel ABI shared by bpf/cellflow.bpf.c and the Java side.
 *
 * This header is the single definition of every record, map key and map value
 * that crosses the kernel/user boundary. The Java codec
 * (io.cellflow.flow.FlowAbi) mirrors these offsets; AbiLayoutTest compiles a
 * small C program against this file and fails the build when the two disagree.
 *
 * Byte order: host order for counters and timestamps, network order for
 * addresses and ports (as the packet carries them).
 */
#ifndef CELLFLOW_H
#define CELLFLOW_H

#include <linux/types.h>

/* value of cf_flow_key.dir / cf_flow_event.dir */
#define CF_DIR_INGRESS 0 /* towards the cell */
#define CF_DIR_EGRESS  1 /* sent by the cell */

/* value of cf_flow_key.family / cf_flow_event.family */
#define CF_FAMILY_V4 4
#define CF_FAMILY_V6 6

/* value of cf_flow_event.kind */
/* with decision DENY, a CF_EVENT_FLOW_NEW record stands for one packet the policy dropped */
#define CF_EVENT_FLOW_NEW 1 /* first packet of a flow (or first that could be reported) */

/* value of cf_flow_event.decision: DENY only for a packet a cell's policy dropped */
#define CF_DECISION_ALLOW 0
#define CF_DECISION_DENY  1

/* cf_flow_val.flags */
#define CF_FLOW_REPORTED 1 /* a CF_EVENT_FLOW_NEW record for this flow is in the ring or being written */

/*
 * Key of the cf_flows hash: the 5-tuple plus direction. IPv4 addresses
 * occupy the first 4 bytes of saddr/daddr, the rest is zero. For ICMP and
 * ICMPv6, sport holds the type and dport the code (each in the low byte, in
 * network order like a port).
 */
struct cf_flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 proto; /* IPPROTO_* */
	__u8 dir;   /* CF_DIR_* */
	__u8 family; /* CF_FAMILY_* */
	__u8 _pad;  /* always 0: the key is hashed as raw bytes */
};

/* value of the cf_flows hash */
struct cf_flow_val {
	__u64 packets;
	__u64 bytes;    /* skb->len: L2 frame bytes as the hook sees them */
	__u64 first_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u64 last_ns;
	__u32 tcp_flags; /* OR of every TCP flags byte seen */
	__u32 flags;     /* CF_FLOW_* */
	/*
	 * what this entry's ring record carried (0 and 0: no record): user space reports the record's counts
	 * when it reads the record and the rest when it drains the entry, so each packet is reported once and a
	 * drained entry that holds no more than its record is skipped without a lookup
	 */
	__u64 rec_packets;
	__u64 rec_bytes;
};

/* ring-buffer record (72 B); every byte is written by the program */
struct cf_flow_event {
	__u64 first_ns; /* bpf_ktime_get_ns() of the flow's first packet */
	__u64 packets;  /* packets of the flow when the record was written */
	__u64 bytes;    /* bytes of the flow when the record was written */
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir;
	__u8 family;
	__u8 tcp_flags; /* OR of TCP flags so far */
	__u8 kind;      /* CF_EVENT_* */
	__u8 decision;  /* CF_DECISION_* */
	__u16 rule_ref; /* DENY: 1-based index of the policy rule, 0 = the default; ALLOW: 0 */
	__u32 ifindex;  /* skb->ifindex */
};

/* value of the one-slot per-CPU cf_stats array; user space sums the CPUs */
struct cf_stats {
	__u64 packets;   /* program runs */
	__u64 non_ip;    /* not IPv4/IPv6, or headers truncated */
	__u64 new_flows; /* flows inserted into cf_flows */
	__u64 rb_fail;   /* bpf_ringbuf_reserve() returned NULL: a record was lost */
	__u64 events;    /* records submitted to the ring buffer */
	__u64 map_fail;  /* packets whose flow could not be inserted into cf_flows (table full) */
};

/*
 * Per-cell egress policy (cf_policy_check() in cellflow.bpf.c). Only egress
 * packets are checked. Double-buffered: two generations ("slots") live side by
 * side in the tries, told apart by the slot byte that leads every key, and the
 * one-word cf_policy.active says which slot is live. User space writes the
 * idle slot completely, then flips cf_policy.active (only its low byte
 * changes, so a reader can never see a torn value); see
 * io.cellflow.bpf.EbpfFlowSource#applyPolicy for the whole protocol.
 */

/* value of cf_policy.active; also the slot byte of the trie keys */
#define CF_POLICY_OFF	 0 /* no policy: the program only observes */
#define CF_POLICY_SLOT_A 1
#define CF_POLICY_SLOT_B 2

/* cf_policy_rule.action, cf_policy_cfg.default_action */
#define CF_ACTION_ALLOW 0
#define CF_ACTION_DENY	1

#define CF_POLICY_RULES_PER_CIDR 8   /* sub-rules in one trie value */
#define CF_POLICY_PORT_RANGES	 16  /* port ranges of one sub-rule */
#define CF_POLICY_MAX_CIDRS	 256 /* distinct CIDRs of one family in one slot */
#define CF_POLICY_SLOT_BITS	 8   /* prefixlen of a key = slot byte + CIDR prefix */

/*
 * Keys of the cf_policy_v4 / cf_policy_v6 LPM tries: prefixlen counts the slot
 * byte, so a /24 of slot 1 is {prefixlen 32, slot 1, addr}. Address in network
 * order, host bits and _pad zero.
 */
struct cf_policy_key_v4 {
	__u32 prefixlen; /* CF_POLICY_SLOT_BITS + CIDR prefix (8..40) */
	__u8 slot;	 /* CF_POLICY_SLOT_* */
	__u8 addr[4];
	__u8 _pad[3];
};

struct cf_policy_key_v6 {
	__u32 prefixlen; /* CF_POLICY_SLOT_BITS + CIDR prefix (8..136) */
	__u8 slot;
	__u8 addr[16];
	__u8 _pad[3];
};

/* inclusive destination-port range, host order */
struct cf_port_range {
	__u16 lo;
	__u16 hi;
};

/* one rule of the request, as it applies to its CIDR */
struct cf_policy_rule {
	__u8 proto;	/* IPPROTO_*; 0 = any */
	__u8 action;	/* CF_ACTION_* */
	__u16 rule_ref; /* 1-based index of the rule in the request (host order) */
	__u8 nports;	/* ranges in use; 0 = any port */
	__u8 _pad[3];
	struct cf_port_range ports[CF_POLICY_PORT_RANGES];
};

/* value of the tries: the rules of one CIDR, in request order; the first match decides */
struct cf_policy_val {
	__u32 nrules; /* 1..CF_POLICY_RULES_PER_CIDR */
	__u32 _pad;
	struct cf_policy_rule rules[CF_POLICY_RULES_PER_CIDR];
};

/* value of the two-slot cf_policy_cfg array; index = slot - 1 */
struct cf_policy_cfg {
	__u32 default_action; /* CF_ACTION_*: no CIDR contains the address, or no rule of it matched */
	__u32 generation;     /* the generation written into this slot */
};

/* value of the one-slot cf_policy array */
struct cf_policy {
	__u32 active;	  /* CF_POLICY_OFF or the live CF_POLICY_SLOT_* */
	__u32 generation; /* policies applied; for inspection, the program does not read it */
};

/* value of the one-slot per-CPU cf_policy_stats array; user space sums the CPUs */
struct cf_policy_stats {
	__u64 checked; /* egress packets checked against a policy */
	__u64 denied;  /* ... and dropped (TC_ACT_SHOT) */
};

/* bytes one record occupies in the ring: 8 B header + payload, 8-aligned */
#define CF_RB_SLOT (8 + sizeof(struct cf_flow_event))

_Static_assert(sizeof(struct cf_flow_key) == 40, "cf_flow_key must be 40 bytes");
_Static_assert(sizeof(struct cf_flow_val) == 56, "cf_flow_val must be 56 bytes");
_Static_assert(sizeof(struct cf_flow_event) == 72, "cf_flow_event must be 72 bytes");
_Static_assert(sizeof(struct cf_stats) == 48, "cf_stats must be 48 bytes");
_Static_assert(__builtin_offsetof(struct cf_flow_key, sport) == 32, "cf_flow_key.sport");
_Static_assert(__builtin_offsetof(struct cf_flow_event, saddr) == 24, "cf_flow_event.saddr");
_Static_assert(__builtin_offsetof(struct cf_flow_event, sport) == 56, "cf_flow_event.sport");
_Static_assert(__builtin_offsetof(struct cf_flow_event, kind) == 64, "cf_flow_event.kind");
_Static_assert(__builtin_offsetof(struct cf_flow_event, ifindex) == 68, "cf_flow_event.ifindex");
_Static_assert(sizeof(struct cf_policy_key_v4) == 12, "cf_policy_key_v4 must be 12 bytes");
_Static_assert(sizeof(struct cf_policy_key_v6) == 24, "cf_policy_key_v6 must be 24 bytes");
_Static_assert(sizeof(struct cf_port_range) == 4, "cf_port_range must be 4 bytes");
_Static_assert(sizeof(struct cf_policy_rule) == 72, "cf_policy_rule must be 72 bytes");
_Static_assert(sizeof(struct cf_policy_val) == 584, "cf_policy_val must be 584 bytes");
_Static_assert(sizeof(struct cf_policy_cfg) == 8, "cf_policy_cfg must be 8 bytes");
_Static_assert(sizeof(struct cf_policy) == 8, "cf_policy must be 8 bytes");
_Static_assert(sizeof(struct cf_policy_stats) == 16, "cf_policy_stats must be 16 bytes");
_Static_assert(__builtin_offsetof(struct cf_policy_key_v4, addr) == 5, "cf_policy_key_v4.addr");
_Static_assert(__builtin_offsetof(struct cf_policy_key_v6, addr) == 5, "cf_policy_key_v6.addr");
_Static_assert(__builtin_offsetof(struct cf_policy_rule, ports) == 8, "cf_policy_rule.ports");
_Static_assert(__builtin_offsetof(struct cf_policy_val, rules) == 8, "cf_policy_val.rules");

#endif /* CELLFLOW_H */
