// SPDX-License-Identifier: GPL-2.0
/*
 * reject.bpf.c - a test object the verifier must refuse. It has every map, global and program cellflow looks
 * up, so opening and sizing succeed and the failure happens exactly at load: the programs read packet data
 * without a bounds check.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cellflow.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 cf_wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct cf_flow_key);
	__type(value, struct cf_flow_val);
} cf_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} cf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_stats);
} cf_stats SEC(".maps");

SEC("tc")
int cf_tc_ingress(struct __sk_buff *skb)
{
	return *(__u8 *)(long)skb->data; /* no data_end check */
}

SEC("tc")
int cf_tc_egress(struct __sk_buff *skb)
{
	return *(__u8 *)(long)skb->data + cf_wakeup_bytes;
}
