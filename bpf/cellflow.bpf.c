// SPDX-License-Identifier: GPL-2.0
/*
 * cellflow.bpf.c - kernel side of cellflow: per-flow accounting of one cell's
 * traffic at the tc hook. Layouts shared with user space live in cellflow.h.
 *
 * Four entry points share one inlined handler: cf_tc_ingress and cf_tc_egress
 * (SEC("tc"), attached as TCX links or clsact filters on the cell's
 * interface; packets start at the Ethernet header), and cf_cg_ingress and
 * cf_cg_egress (cgroup_skb, linked to a cgroup v2 directory; packets start at
 * the IP header, skb->len counts from there, and 1/0 means pass/drop). The
 * loader loads only the pair a cell attaches.
 *
 * Verification cost is part of every monitor start, so the branchy pieces
 * (the whole parser, policy verdict, port-range match) are global functions:
 * the verifier checks each once on its own instead of once per call site and
 * per path through the handler (126 ms -> 25 ms for both tc programs). The
 * handler inlines the parser without its IPv6 extension-header loop (the
 * branchy part) and calls the global one only for extension headers and after
 * a pull: the usual packet makes no BPF-to-BPF call (~10 ns less per packet),
 * for ~13 % more verifier work and no measurable load time. Per packet:
 *
 *   parse    Ethernet (+ one 802.1Q/802.1ad tag) -> IPv4 (options via ihl,
 *            fragment-aware) or IPv6 (up to CF_MAX_EXT_HDRS extension
 *            headers) -> TCP/UDP/ICMP/ICMPv6. A header that is not in the
 *            linear area is pulled once (bpf_skb_pull_data) and parsed again.
 *            Non-first fragments carry no L4 header: their ports stay 0.
 *   account  cf_flows (hash, key = 5-tuple + direction): insert with
 *            BPF_NOEXIST, or add to the existing entry with atomics, so two
 *            CPUs never lose an update. A plain hash, not an LRU: user space
 *            empties the table on every drain anyway (early when it fills, see
 *            io.cellflow.monitor.DrainPressure), and an LRU's deletes (the
 *            drain) and inserts (the packets) contend on its lists, ~250 ns
 *            per new flow on a 2-CPU machine. A full table refuses the insert:
 *            the packet is counted as map_fail (user space reports it as a
 *            lost notice, cause flow_table_full), never silently dropped from
 *            the accounting.
 *   report   Once per flow, one struct cf_flow_event (CF_EVENT_FLOW_NEW) in
 *            the cf_events ring buffer. A new flow is inserted already marked
 *            CF_FLOW_REPORTED and its record reserved after the insert, so a
 *            refused insert (table full, or another CPU inserted it first)
 *            costs no record, and the common path needs no second lookup. If
 *            the ring is full, the mark is taken back (one lookup, on that
 *            path only) and a later packet reports the flow: that CPU claims
 *            the report by setting CF_FLOW_REPORTED with an atomic fetch-or,
 *            and clears it again if the ring is still full; the map keeps the
 *            counts. The entry keeps what its record carried (rec_packets,
 *            rec_bytes): user space reports those when it reads the record
 *            and the rest when it drains the entry, so each packet is reported
 *            once whichever comes first, and an entry holding no more than its
 *            record (a one-packet flow) costs the drain no lookup. (A drain
 *            between a refused reservation and its undoing sees a record that
 *            never comes; that loss is counted in rb_fail, as the ring's are.)
 *   wakeup   cf_wakeup_bytes (.rodata, set by the loader): 0 = kernel default
 *            wakeup; N = no wakeup, except for the record that makes the
 *            unconsumed data cross N bytes (the consumer's poll timeout
 *            covers the tail).
 *
 *   police   Egress only, and only while user space has set a policy
 *            (cf_policy.active != CF_POLICY_OFF): cf_policy_check() decides.
 *            A denied packet is not accounted as a flow; it is counted in
 *            cf_policy_stats, reported by one record of its own (decision
 *            DENY, rule_ref) and dropped with TC_ACT_SHOT. One record per
 *            denied packet, not per flow: a retry is a new attempt, and a
 *            flood of them fills only this cell's ring (counted as rb_fail).
 *
 * Counters (per-CPU cf_stats): runs, non-IP/truncated, new flows, ring-buffer
 * reserve failures, submitted records, failed inserts.
 * Without a policy the program only observes: it always returns TC_ACT_OK.
 * Non-IP and unparseable packets are never policed (ARP must pass).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "cellflow.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* cf_parse() results */
#define CF_PARSE_OK   0 /* key filled */
#define CF_PARSE_SKIP 1 /* not IPv4/IPv6, or malformed: counted as non_ip */
#define CF_PARSE_PULL 2 /* a header runs past data_end: pull and retry once */
#define CF_PARSE_FULL 3 /* cf_parse_inline(fast): IPv6 extension headers, for the global parser */

#define CF_PULL_LEN	256 /* bytes made linear by bpf_skb_pull_data() at most */
#define CF_MAX_EXT_HDRS 4 /* IPv6 extension headers skipped at most */
#define CF_IP_OFFSET	0x1fff /* fragment offset bits of iphdr.frag_off */
#define CF_IP6_OFFSET	0xfff8 /* fragment offset bits of the IPv6 fragment header */

/* fixed L4 header bytes the parser reads */
#define CF_TCP_HLEN   20 /* minimum TCP header */
#define CF_TCP_FLAGS  13 /* offset of the flags byte (CWR..FIN) */
#define CF_UDP_HLEN   8
#define CF_ICMP_BYTES 2 /* type, code */

char LICENSE[] SEC("license") = "GPL";

/* set by the loader between open and load; see cf_submit() */
const volatile __u32 cf_wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* loader may override before load */
	__type(key, struct cf_flow_key);
	__type(value, struct cf_flow_val);
} cf_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024); /* loader may override before load */
} cf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_stats);
} cf_stats SEC(".maps");

/* the policy: see cellflow.h and cf_policy_check() */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_policy);
} cf_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2); /* index = slot - 1 */
	__type(key, __u32);
	__type(value, struct cf_policy_cfg);
} cf_policy_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * CF_POLICY_MAX_CIDRS); /* live and previous slot */
	__type(key, struct cf_policy_key_v4);
	__type(value, struct cf_policy_val);
} cf_policy_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * CF_POLICY_MAX_CIDRS);
	__type(key, struct cf_policy_key_v6);
	__type(value, struct cf_policy_val);
} cf_policy_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_policy_stats);
} cf_policy_stats SEC(".maps");

struct cf_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* ports (ICMP/ICMPv6: type and code) and the TCP flags byte from the L4 header at p */
static __always_inline int cf_parse_l4(__u8 *p, void *data_end, struct cf_flow_key *k, __u8 *tcpf)
{
	switch (k->proto) {
	case IPPROTO_TCP:
		if ((void *)(p + CF_TCP_HLEN) > data_end)
			return CF_PARSE_PULL;
		k->sport = *(__be16 *)p;
		k->dport = *(__be16 *)(p + 2);
		*tcpf = p[CF_TCP_FLAGS];
		break;
	case IPPROTO_UDP:
		if ((void *)(p + CF_UDP_HLEN) > data_end)
			return CF_PARSE_PULL;
		k->sport = *(__be16 *)p;
		k->dport = *(__be16 *)(p + 2);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((void *)(p + CF_ICMP_BYTES) > data_end)
			return CF_PARSE_PULL;
		k->sport = bpf_htons(p[0]); /* type */
		k->dport = bpf_htons(p[1]); /* code */
		break;
	}
	return CF_PARSE_OK;
}

/*
 * fills k (except dir) and *tcpf; k must be zeroed by the caller. l3: the packet starts at the network header
 * (cgroup_skb) and skb->protocol names it; otherwise at the Ethernet header (tc). fast: leave IPv6 extension
 * headers to the global parser (CF_PARSE_FULL), so that the copy inlined into the handler has no loop.
 */
static __always_inline int cf_parse_inline(struct __sk_buff *skb, struct cf_flow_key *k, __u8 *tcpf, const int l3,
					   const int fast)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	void *nh = data;
	__be16 proto;

	if (l3) {
		proto = (__be16)skb->protocol;
	} else {
		/* step: L2, at most one VLAN tag */
		struct ethhdr *eth = data;

		if ((void *)(eth + 1) > data_end)
			return CF_PARSE_PULL;
		proto = eth->h_proto;
		nh = eth + 1;
		if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
			struct cf_vlan_hdr *vh = nh;

			if ((void *)(vh + 1) > data_end)
				return CF_PARSE_PULL;
			proto = vh->proto;
			nh = vh + 1;
		}
	}

	/* step: IPv4; a non-first fragment has no L4 header (ports stay 0) */
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = nh;
		__u32 ihl;

		if ((void *)(ip + 1) > data_end)
			return CF_PARSE_PULL;
		ihl = ip->ihl * 4;
		if (ihl < sizeof(*ip))
			return CF_PARSE_SKIP;
		k->family = CF_FAMILY_V4;
		k->proto = ip->protocol;
		__builtin_memcpy(k->saddr, &ip->saddr, 4);
		__builtin_memcpy(k->daddr, &ip->daddr, 4);
		if (ip->frag_off & bpf_htons(CF_IP_OFFSET))
			return CF_PARSE_OK;
		return cf_parse_l4((__u8 *)ip + ihl, data_end, k, tcpf);
	}

	/* step: IPv6; skip hop-by-hop, routing, dest-opts, AH and fragment headers */
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = nh;
		__u8 *p;
		__u8 nexthdr;

		if ((void *)(ip6 + 1) > data_end)
			return CF_PARSE_PULL;
		k->family = CF_FAMILY_V6;
		__builtin_memcpy(k->saddr, &ip6->saddr, 16);
		__builtin_memcpy(k->daddr, &ip6->daddr, 16);
		nexthdr = ip6->nexthdr;
		p = (__u8 *)(ip6 + 1);
		if (fast) {
			if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_DSTOPTS ||
			    nexthdr == IPPROTO_AH || nexthdr == IPPROTO_FRAGMENT)
				return CF_PARSE_FULL;
			k->proto = nexthdr;
			return cf_parse_l4(p, data_end, k, tcpf);
		}
#pragma unroll
		for (int i = 0; i < CF_MAX_EXT_HDRS; i++) {
			if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
			    nexthdr == IPPROTO_DSTOPTS) {
				if ((void *)(p + 2) > data_end)
					return CF_PARSE_PULL;
				nexthdr = p[0];
				p += (p[1] + 1) * 8;
			} else if (nexthdr == IPPROTO_AH) {
				if ((void *)(p + 2) > data_end)
					return CF_PARSE_PULL;
				nexthdr = p[0];
				p += (p[1] + 2) * 4;
			} else if (nexthdr == IPPROTO_FRAGMENT) {
				if ((void *)(p + 8) > data_end)
					return CF_PARSE_PULL;
				nexthdr = p[0];
				if (*(__be16 *)(p + 2) & bpf_htons(CF_IP6_OFFSET)) {
					k->proto = nexthdr; /* non-first fragment */
					return CF_PARSE_OK;
				}
				p += 8;
			} else {
				break;
			}
		}
		k->proto = nexthdr;
		return cf_parse_l4(p, data_end, k, tcpf);
	}
	return CF_PARSE_SKIP;
}

/* cf_parse_inline() with the key zeroed first; CF_PARSE_* in the low byte, the TCP flags byte in the next */
static __always_inline int cf_parse_packed(struct __sk_buff *skb, struct cf_flow_key *k, const int l3,
					   const int fast)
{
	__u8 tcpf = 0;
	int r;

	if (!skb || !k)
		return CF_PARSE_SKIP;
	__builtin_memset(k, 0, sizeof(*k));
	r = cf_parse_inline(skb, k, &tcpf, l3, fast);
	return r | ((int)tcpf << 8);
}

/*
 * The whole parser as global functions, one per packet start: the verifier checks each once, on its own, instead of
 * once per call site and per path through the rest of the handler (that multiplication made a monitor start spend
 * ~100 ms in the verifier; the IPv6 extension-header loop is most of it). The handler inlines the parser without
 * that loop (cf_parse_fast()) and calls these only for IPv6 extension headers and for the second parse after a
 * pull. Each fills k (except dir); see cf_parse_packed() for the result.
 */
__noinline int cf_parse_l2(struct __sk_buff *skb, struct cf_flow_key *k)
{
	return cf_parse_packed(skb, k, 0, 0); /* tc: from the Ethernet header */
}

__noinline int cf_parse_l3(struct __sk_buff *skb, struct cf_flow_key *k)
{
	return cf_parse_packed(skb, k, 1, 0); /* cgroup_skb: from the network header */
}

/*
 * The per-packet parse: inlined, so the usual packet (IPv4, or IPv6 without extension headers) makes no BPF-to-BPF
 * call (each call's return is a return thunk on CPUs with return-stack mitigations, ~10 ns a packet measured with
 * BPF_PROG_TEST_RUN); the rest goes to the global parser. Same result as cf_parse_l2()/cf_parse_l3().
 */
static __always_inline int cf_parse_fast(struct __sk_buff *skb, struct cf_flow_key *k, const int l3)
{
	int r = cf_parse_packed(skb, k, l3, 1);

	if ((r & 0xff) != CF_PARSE_FULL)
		return r;
	return l3 ? cf_parse_l3(skb, k) : cf_parse_l2(skb, k);
}

/* adds one packet to an existing flow; safe against other CPUs */
static __always_inline void cf_account(struct cf_flow_val *v, __u32 len, __u64 now, __u8 tcpf)
{
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, len);
	v->last_ns = now;
	if (tcpf && (v->tcp_flags & tcpf) != tcpf)
		__sync_fetch_and_or(&v->tcp_flags, tcpf);
}

/*
 * cf_wakeup_bytes == 0: default wakeup (the kernel wakes the consumer when it
 * has caught up). Otherwise no wakeup, except for the one record that makes the
 * unconsumed data (this record included, it is already reserved) cross
 * cf_wakeup_bytes.
 */
static __always_inline void cf_submit(struct cf_flow_event *e)
{
	__u64 avail;

	if (cf_wakeup_bytes == 0) {
		bpf_ringbuf_submit(e, 0);
		return;
	}
	avail = bpf_ringbuf_query(&cf_events, BPF_RB_AVAIL_DATA);
	if (avail >= cf_wakeup_bytes && avail < (__u64)cf_wakeup_bytes + CF_RB_SLOT)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	else
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* writes every byte of the 72-byte record (no padding to leak) */
static __always_inline void cf_fill_event(struct cf_flow_event *e, const struct __sk_buff *skb,
					  const struct cf_flow_key *k, __u64 first_ns, __u64 packets,
					  __u64 bytes, __u8 tcpf, __u8 decision, __u16 rule_ref)
{
	e->first_ns = first_ns;
	e->packets = packets;
	e->bytes = bytes;
	__builtin_memcpy(e->saddr, k->saddr, 16);
	__builtin_memcpy(e->daddr, k->daddr, 16);
	e->sport = k->sport;
	e->dport = k->dport;
	e->proto = k->proto;
	e->dir = k->dir;
	e->family = k->family;
	e->tcp_flags = tcpf;
	e->kind = CF_EVENT_FLOW_NEW;
	e->decision = decision;
	e->rule_ref = rule_ref;
	e->ifindex = skb->ifindex;
}

/* one CF_EVENT_FLOW_NEW record for the flow, unless another CPU claimed it */
static __always_inline void cf_report(struct __sk_buff *skb, struct cf_stats *st,
				      const struct cf_flow_key *k, struct cf_flow_val *v)
{
	struct cf_flow_event *e;
	__u64 packets, bytes;

	/* step: claim; only the CPU that set the bit goes on */
	if (__sync_fetch_and_or(&v->flags, CF_FLOW_REPORTED) & CF_FLOW_REPORTED)
		return;

	e = bpf_ringbuf_reserve(&cf_events, sizeof(*e), 0);
	if (!e) {
		/* step: ring full: give the claim back so that a later packet retries */
		__sync_fetch_and_and(&v->flags, ~(__u32)CF_FLOW_REPORTED);
		st->rb_fail++;
		return;
	}

	/* step: the entry keeps what the record says, so the drain reports only the rest */
	packets = v->packets;
	bytes = v->bytes;
	v->rec_packets = packets;
	v->rec_bytes = bytes;
	cf_fill_event(e, skb, k, v->first_ns, packets, bytes, (__u8)v->tcp_flags, CF_DECISION_ALLOW, 0);

	cf_submit(e);
	st->events++;
}

/* cf_policy_check() result besides CF_ACTION_*: no policy is set */
#define CF_NO_POLICY (-1)

/* ICMPv6 router/neighbour solicitation and advertisement: never policed */
#define CF_ND_FIRST 133
#define CF_ND_LAST  136

/*
 * Does sub-rule r match the packet's protocol and destination port (host order)? A global function: its port loop
 * is verified once, not once per sub-rule of the caller's loop.
 */
__noinline int cf_rule_matches(const struct cf_policy_rule *r, __u32 proto, __u32 dport)
{
	__u32 n;

	if (!r)
		return 0;
	n = r->nports;

	if (r->proto && r->proto != proto)
		return 0;
	if (n == 0)
		return 1;
	for (__u32 j = 0; j < CF_POLICY_PORT_RANGES; j++) {
		if (j >= n)
			break;
		if (dport >= r->ports[j].lo && dport <= r->ports[j].hi)
			return 1;
	}
	return 0;
}

/*
 * The policy's verdict for an egress packet: CF_ACTION_ALLOW or CF_ACTION_DENY,
 * and in *rule_ref the deciding rule (0 = the default action); CF_NO_POLICY
 * when no policy is set. The longest
 * CIDR containing the destination holds the candidate rules; the first that
 * matches protocol and destination port decides; otherwise the default
 * applies. Non-first fragments carry no ports (dport 0) and match a port rule
 * only if its ranges include 0.
 */
static __always_inline int cf_policy_check_inline(const struct cf_flow_key *k, __u16 *rule_ref)
{
	struct cf_policy_cfg *cfg;
	struct cf_policy_val *v;
	volatile __u32 *active;
	struct cf_policy *ctl;
	__u32 zero = 0, idx;
	__u8 slot;
	__u16 dport;

	*rule_ref = 0;
	ctl = bpf_map_lookup_elem(&cf_policy, &zero);
	if (!ctl)
		return CF_NO_POLICY;
	/* step: one read of the live slot; everything below uses this generation only */
	active = (volatile __u32 *)&ctl->active;
	slot = (__u8)*active;
	if (slot != CF_POLICY_SLOT_A && slot != CF_POLICY_SLOT_B)
		return CF_NO_POLICY; /* CF_POLICY_OFF */
	idx = slot - 1;
	cfg = bpf_map_lookup_elem(&cf_policy_cfg, &idx);
	if (!cfg)
		return CF_NO_POLICY;

	if (k->proto == IPPROTO_ICMPV6 && bpf_ntohs(k->sport) >= CF_ND_FIRST &&
	    bpf_ntohs(k->sport) <= CF_ND_LAST)
		return CF_ACTION_ALLOW;

	/* step: longest prefix of the destination within this slot */
	if (k->family == CF_FAMILY_V4) {
		struct cf_policy_key_v4 lk = {
			.prefixlen = CF_POLICY_SLOT_BITS + 32,
			.slot = slot,
		};

		__builtin_memcpy(lk.addr, k->daddr, 4);
		v = bpf_map_lookup_elem(&cf_policy_v4, &lk);
	} else {
		struct cf_policy_key_v6 lk = {
			.prefixlen = CF_POLICY_SLOT_BITS + 128,
			.slot = slot,
		};

		__builtin_memcpy(lk.addr, k->daddr, 16);
		v = bpf_map_lookup_elem(&cf_policy_v6, &lk);
	}

	/* step: the first of its rules that matches decides */
	if (v) {
		__u32 n = v->nrules;

		dport = bpf_ntohs(k->dport);
		for (__u32 i = 0; i < CF_POLICY_RULES_PER_CIDR; i++) {
			if (i >= n)
				break;
			if (cf_rule_matches(&v->rules[i], k->proto, dport)) {
				*rule_ref = v->rules[i].rule_ref;
				if (v->rules[i].action == CF_ACTION_DENY)
					return CF_ACTION_DENY;
				return CF_ACTION_ALLOW;
			}
		}
	}
	return cfg->default_action == CF_ACTION_DENY ? CF_ACTION_DENY : CF_ACTION_ALLOW;
}

/* cf_policy_check_inline() as a global function, verified once: the verdict, and the rule in bits 8..23 */
__noinline int cf_policy_check(const struct cf_flow_key *k)
{
	__u16 rule_ref = 0;
	int verdict;

	if (!k)
		return CF_NO_POLICY;
	verdict = cf_policy_check_inline(k, &rule_ref);
	if (verdict == CF_NO_POLICY)
		return CF_NO_POLICY;
	return verdict | ((int)rule_ref << 8);
}

/* whether user space has set a policy; cf_policy_check() reads the live slot again and trusts only that read */
static __always_inline int cf_policy_set(void)
{
	struct cf_policy *ctl;
	__u32 zero = 0;

	ctl = bpf_map_lookup_elem(&cf_policy, &zero);
	return ctl && *(volatile __u32 *)&ctl->active != CF_POLICY_OFF;
}

/* one DENY record for one dropped packet; the packet is not a flow in cf_flows */
static __always_inline void cf_report_deny(struct __sk_buff *skb, struct cf_stats *st,
					   const struct cf_flow_key *k, __u8 tcpf, __u16 rule_ref,
					   __u64 now)
{
	struct cf_flow_event *e;

	e = bpf_ringbuf_reserve(&cf_events, sizeof(*e), 0);
	if (!e) {
		st->rb_fail++;
		return;
	}

	cf_fill_event(e, skb, k, now, 1, skb->len, tcpf, CF_DECISION_DENY, rule_ref);

	cf_submit(e);
	st->events++;
}

/* egress under a policy: TC_ACT_SHOT (counted, reported) if it denies the packet, else -1 */
static __always_inline int cf_police(struct __sk_buff *skb, struct cf_stats *st,
				     const struct cf_flow_key *k, __u8 tcpf, __u64 now)
{
	struct cf_policy_stats *ps;
	__u32 zero = 0;
	__u16 rule_ref;
	int verdict;

	verdict = cf_policy_check(k);
	if (verdict == CF_NO_POLICY)
		return -1;
	rule_ref = (__u16)(verdict >> 8);
	verdict &= 0xff;
	ps = bpf_map_lookup_elem(&cf_policy_stats, &zero);
	if (ps) {
		ps->checked++;
		if (verdict == CF_ACTION_DENY)
			ps->denied++;
	}
	if (verdict != CF_ACTION_DENY)
		return -1;
	cf_report_deny(skb, st, k, tcpf, rule_ref, now);
	return TC_ACT_SHOT;
}

/*
 * The per-packet path of every program; returns TC_ACT_OK or TC_ACT_SHOT (a cgroup_skb program turns them into
 * 1 and 0). l3: see cf_parse(); cgroup_skb has no bpf_skb_pull_data(), so no second parse there.
 */
static __always_inline int cf_handle(struct __sk_buff *skb, __u8 dir, const int l3)
{
	__u32 zero = 0;
	struct cf_stats *st;
	struct cf_flow_key k;
	struct cf_flow_val nv;
	struct cf_flow_val *v;
	struct cf_flow_event *e;
	__u8 tcpf;
	__u64 now;
	long err;
	int r;

	st = bpf_map_lookup_elem(&cf_stats, &zero);
	if (!st)
		return TC_ACT_OK;
	st->packets++;

	/* step: parse; pull non-linear headers once and parse again */
	r = cf_parse_fast(skb, &k, l3);
	if (!l3 && (r & 0xff) == CF_PARSE_PULL && skb->len > (__u32)(skb->data_end - skb->data)) {
		if (bpf_skb_pull_data(skb, skb->len < CF_PULL_LEN ? skb->len : CF_PULL_LEN) == 0)
			r = cf_parse_l2(skb, &k);
	}
	if ((r & 0xff) != CF_PARSE_OK) {
		st->non_ip++;
		return TC_ACT_OK;
	}
	tcpf = (__u8)(r >> 8);
	k.dir = dir;
	now = bpf_ktime_get_ns();

	/*
	 * step: egress policy; a denied packet is reported and dropped, never accounted as a flow. Without a policy
	 * the inlined array lookup here spares the call into the global checker.
	 */
	if (dir == CF_DIR_EGRESS && cf_policy_set()) {
		r = cf_police(skb, st, &k, tcpf, now);
		if (r == TC_ACT_SHOT)
			return TC_ACT_SHOT;
	}

	/* step: existing flow: add this packet, report it if no record of it reached the ring yet */
	v = bpf_map_lookup_elem(&cf_flows, &k);
	if (v) {
		cf_account(v, skb->len, now, tcpf);
		if (!(v->flags & CF_FLOW_REPORTED))
			cf_report(skb, st, &k, v);
		return TC_ACT_OK;
	}

	/*
	 * step: new flow. Insert it marked reported, then reserve its record: a refused insert costs no record, and
	 * the usual path no second lookup. Without room in the ring the mark is taken back and a later packet retries.
	 */
	nv.packets = 1;
	nv.bytes = skb->len;
	nv.first_ns = now;
	nv.last_ns = now;
	nv.tcp_flags = tcpf;
	nv.flags = CF_FLOW_REPORTED;
	nv.rec_packets = 1;
	nv.rec_bytes = skb->len;
	err = bpf_map_update_elem(&cf_flows, &k, &nv, BPF_NOEXIST);
	if (err) {
		/* lost the race to another CPU, or the table is full */
		if (err != -EEXIST) {
			st->map_fail++;
			return TC_ACT_OK;
		}
		v = bpf_map_lookup_elem(&cf_flows, &k);
		if (!v) {
			/* drained again before we could look at it */
			st->map_fail++;
			return TC_ACT_OK;
		}
		cf_account(v, skb->len, now, tcpf);
		if (!(v->flags & CF_FLOW_REPORTED))
			cf_report(skb, st, &k, v);
		return TC_ACT_OK;
	}
	st->new_flows++;
	e = bpf_ringbuf_reserve(&cf_events, sizeof(*e), 0);
	if (!e) {
		/* no record: the drain reports the whole entry (a drain between the insert and this is counted here) */
		st->rb_fail++;
		v = bpf_map_lookup_elem(&cf_flows, &k);
		if (v) {
			v->rec_packets = 0;
			v->rec_bytes = 0;
			__sync_fetch_and_and(&v->flags, ~(__u32)CF_FLOW_REPORTED);
		}
		return TC_ACT_OK;
	}
	cf_fill_event(e, skb, &k, now, 1, skb->len, tcpf, CF_DECISION_ALLOW, 0);
	cf_submit(e);
	st->events++;
	return TC_ACT_OK;
}

SEC("tc")
int cf_tc_ingress(struct __sk_buff *skb)
{
	return cf_handle(skb, CF_DIR_INGRESS, 0);
}

SEC("tc")
int cf_tc_egress(struct __sk_buff *skb)
{
	return cf_handle(skb, CF_DIR_EGRESS, 0);
}

/* cgroup_skb: the packets of the sockets of one cgroup's processes; skb->len counts from the IP header */
SEC("cgroup_skb/ingress")
int cf_cg_ingress(struct __sk_buff *skb)
{
	return cf_handle(skb, CF_DIR_INGRESS, 1) == TC_ACT_SHOT ? 0 : 1;
}

SEC("cgroup_skb/egress")
int cf_cg_egress(struct __sk_buff *skb)
{
	return cf_handle(skb, CF_DIR_EGRESS, 1) == TC_ACT_SHOT ? 0 : 1;
}
