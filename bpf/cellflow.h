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
#define CF_EVENT_FLOW_NEW 1 /* first packet of a flow (or first that could be reported) */

/* value of cf_flow_event.decision: the program observes only, so always ALLOW today */
#define CF_DECISION_ALLOW 0
#define CF_DECISION_DENY  1

/* cf_flow_val.flags */
#define CF_FLOW_REPORTED 1 /* a CF_EVENT_FLOW_NEW record for this flow reached the ring */

/*
 * Key of the cf_flows LRU hash: the 5-tuple plus direction. IPv4 addresses
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

/* value of the cf_flows LRU hash */
struct cf_flow_val {
	__u64 packets;
	__u64 bytes;    /* skb->len: L2 frame bytes as the hook sees them */
	__u64 first_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u64 last_ns;
	__u32 tcp_flags; /* OR of every TCP flags byte seen */
	__u32 flags;     /* CF_FLOW_* */
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
	__u16 rule_ref; /* policy rule index; 0 = none */
	__u32 ifindex;  /* skb->ifindex */
};

/* value of the one-slot per-CPU cf_stats array; user space sums the CPUs */
struct cf_stats {
	__u64 packets;   /* program runs */
	__u64 non_ip;    /* not IPv4/IPv6, or headers truncated */
	__u64 new_flows; /* flows inserted into cf_flows */
	__u64 rb_fail;   /* bpf_ringbuf_reserve() returned NULL: a record was lost */
	__u64 events;    /* records submitted to the ring buffer */
	__u64 map_fail;  /* insert into cf_flows failed */
};

/* bytes one record occupies in the ring: 8 B header + payload, 8-aligned */
#define CF_RB_SLOT (8 + sizeof(struct cf_flow_event))

_Static_assert(sizeof(struct cf_flow_key) == 40, "cf_flow_key must be 40 bytes");
_Static_assert(sizeof(struct cf_flow_val) == 40, "cf_flow_val must be 40 bytes");
_Static_assert(sizeof(struct cf_flow_event) == 72, "cf_flow_event must be 72 bytes");
_Static_assert(sizeof(struct cf_stats) == 48, "cf_stats must be 48 bytes");
_Static_assert(__builtin_offsetof(struct cf_flow_key, sport) == 32, "cf_flow_key.sport");
_Static_assert(__builtin_offsetof(struct cf_flow_event, saddr) == 24, "cf_flow_event.saddr");
_Static_assert(__builtin_offsetof(struct cf_flow_event, sport) == 56, "cf_flow_event.sport");
_Static_assert(__builtin_offsetof(struct cf_flow_event, kind) == 64, "cf_flow_event.kind");
_Static_assert(__builtin_offsetof(struct cf_flow_event, ifindex) == 68, "cf_flow_event.ifindex");

#endif /* CELLFLOW_H */
