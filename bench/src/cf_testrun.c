// SPDX-License-Identifier: GPL-2.0
/*
 * cf_testrun - kernel ns/packet of cellflow's tc program against the reference's, with BPF_PROG_TEST_RUN, on
 * the same packets: no namespaces, no traffic, no consumer process, so only the program's own cost varies.
 *
 *   cf_testrun OBJ[@WAKEUP]... REFERENCE_OBJ[@WAKEUP] [--rounds 15] [--flows 4096] [--entries 16384]
 *              [--wakeup-bytes 16384] [--repeat 10000]
 *
 * 2 to 4 objects, cellflow's (cf_tc_ingress) or the reference's (flow_ingress); the last one is the yardstick.
 * OBJ@WAKEUP gives that object its own wakeup threshold (e.g. the reference's 65536 of bench/run.sh).
 *
 * Per round, alternating which object goes first:
 *   new    --flows distinct UDP/IPv4 packets (source address and port vary), each one test run with repeat 1:
 *          every packet is an insert into the flow hash plus one ring-buffer record. test_run's duration with
 *          repeat 1 includes one ktime read and the run loop's overhead; that is the same for both objects, so
 *          compare the difference or the ratio, not the absolute figure, with bench/run.sh's bpf_stats.
 *   exist  the last of those packets again, --repeat times: the existing-flow path (lookup + atomics).
 * Between rounds (not timed) the ring is consumed and the flow hash emptied, as a drain would. All objects get
 * the same flow-table size, ring size (4 MiB) and, unless OBJ@WAKEUP says otherwise, wakeup threshold. Prints
 * per round, then per object the medians and the median of the per-round ratios to the last object (the
 * machine's load moves the absolute figures between runs by far more than the objects differ).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define RING_BYTES (4u << 20)
#define PKT_LEN	   64
#define MAX_OBJS 4

struct side {
	const char *name;
	struct bpf_object *obj;
	int prog_fd;
	int flows_fd;
	unsigned key_size, val_size;
	struct ring_buffer *rb;
	unsigned long records;
	unsigned wakeup;
	double *new_ns, *exist_ns;
};

static int on_record(void *ctx, void *data, size_t len)
{
	(void)data;
	(void)len;
	((struct side *)ctx)->records++;
	return 0;
}

/* sets the .rodata __u32 named var, if the object has it */
static int set_rodata_u32(struct bpf_object *obj, const char *var, uint32_t val)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *ro = NULL, *m;
	const struct btf_type *sec;
	size_t sz;
	char *data;
	int id;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);
		size_t l = strlen(n);

		if (l >= 7 && strcmp(n + l - 7, ".rodata") == 0)
			ro = m;
	}
	if (!ro || !btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return id;
	sec = btf__type_by_id(btf, id);
	data = (char *)bpf_map__initial_value(ro, &sz);
	for (int i = 0; i < btf_vlen(sec); i++) {
		const struct btf_var_secinfo *vs = btf_var_secinfos(sec) + i;
		const struct btf_type *vt = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, vt->name_off), var) == 0 && vs->offset + 4 <= sz) {
			memcpy(data + vs->offset, &val, 4);
			return 0;
		}
	}
	return -ENOENT;
}

static void open_side(struct side *s, const char *path, const char *prog, const char *flows, const char *ring,
		      const char *wb_var, unsigned entries, unsigned wakeup)
{
	struct bpf_program *p;
	struct bpf_map *m;
	int err;

	s->obj = bpf_object__open_file(path, NULL);
	if (!s->obj) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, strcmp(bpf_program__name(p), prog) == 0);
	m = bpf_object__find_map_by_name(s->obj, flows);
	if (!m || bpf_map__set_max_entries(m, entries)) {
		fprintf(stderr, "%s: map %s\n", path, flows);
		exit(1);
	}
	m = bpf_object__find_map_by_name(s->obj, ring);
	if (!m || bpf_map__set_max_entries(m, RING_BYTES)) {
		fprintf(stderr, "%s: map %s\n", path, ring);
		exit(1);
	}
	if (set_rodata_u32(s->obj, wb_var, wakeup)) {
		fprintf(stderr, "%s: no .rodata %s\n", path, wb_var);
		exit(1);
	}
	err = bpf_object__load(s->obj);
	if (err) {
		fprintf(stderr, "load %s: %s\n", path, strerror(-err));
		exit(1);
	}
	s->prog_fd = bpf_program__fd(bpf_object__find_program_by_name(s->obj, prog));
	m = bpf_object__find_map_by_name(s->obj, flows);
	s->flows_fd = bpf_map__fd(m);
	s->key_size = bpf_map__key_size(m);
	s->val_size = bpf_map__value_size(m);
	s->rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(s->obj, ring)), on_record, s, NULL);
	if (s->prog_fd < 0 || s->flows_fd < 0 || !s->rb) {
		fprintf(stderr, "%s: program, map or ring missing\n", path);
		exit(1);
	}
}

/* Ethernet + IPv4 + UDP, 64 bytes; flow i has its own source address and port */
static void make_packet(unsigned char *pkt, unsigned i)
{
	struct ethhdr *eth = (void *)pkt;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memset(pkt, 0, PKT_LEN);
	memset(eth->h_dest, 0x02, ETH_ALEN);
	memset(eth->h_source, 0x04, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(PKT_LEN - sizeof(*eth));
	ip->saddr = htonl(0xc6120100u + i / 60000); /* 198.18.1.0 and up: (saddr, sport) distinct for every i */
	ip->daddr = htonl(0xc6120402u);		    /* 198.18.4.2 */
	udp->source = htons((uint16_t)(1024 + i % 60000));
	udp->dest = htons(9);
	udp->len = htons(PKT_LEN - sizeof(*eth) - sizeof(*ip));
}

static double run_new(struct side *s, unsigned char (*pkts)[PKT_LEN], unsigned n)
{
	unsigned long long sum = 0;

	for (unsigned i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkts[i], .data_size_in = PKT_LEN, .repeat = 1);

		if (bpf_prog_test_run_opts(s->prog_fd, &o)) {
			fprintf(stderr, "%s: test_run: %s\n", s->name, strerror(errno));
			exit(1);
		}
		sum += o.duration;
	}
	return (double)sum / n;
}

static double run_exist(struct side *s, unsigned char *pkt, unsigned repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = PKT_LEN, .repeat = repeat);

	if (bpf_prog_test_run_opts(s->prog_fd, &o)) {
		fprintf(stderr, "%s: test_run: %s\n", s->name, strerror(errno));
		exit(1);
	}
	return o.duration;
}

/* empties the flow hash (as a drain would) and consumes the ring; not timed */
static void reset(struct side *s)
{
	char *key = calloc(1, s->key_size), *next = calloc(1, s->key_size);

	while (bpf_map_get_next_key(s->flows_fd, NULL, next) == 0) {
		memcpy(key, next, s->key_size);
		bpf_map_delete_elem(s->flows_fd, key);
	}
	ring_buffer__consume(s->rb);
	free(key);
	free(next);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double *c = malloc(n * sizeof(*c));
	double m;

	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* cellflow's object has cf_tc_ingress, the reference's flow_ingress */
static void open_any(struct side *s, const char *path, unsigned entries, unsigned wakeup)
{
	struct bpf_object *probe = bpf_object__open_file(path, NULL);
	int is_cf;

	if (!probe) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	is_cf = bpf_object__find_program_by_name(probe, "cf_tc_ingress") != NULL;
	bpf_object__close(probe);
	s->name = path;
	if (is_cf)
		open_side(s, path, "cf_tc_ingress", "cf_flows", "cf_events", "cf_wakeup_bytes", entries, wakeup);
	else
		open_side(s, path, "flow_ingress", "flows", "events", "wakeup_bytes", entries, wakeup);
}

int main(int argc, char **argv)
{
	unsigned rounds = 15, flows = 4096, entries = 16384, wakeup = 16384, repeat = 10000;
	struct side sides[MAX_OBJS];
	unsigned char(*pkts)[PKT_LEN];
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] == '-' && i + 1 < argc) {
			unsigned v = (unsigned)strtoul(argv[i + 1], NULL, 10);

			if (!strcmp(argv[i], "--rounds"))
				rounds = v;
			else if (!strcmp(argv[i], "--flows"))
				flows = v;
			else if (!strcmp(argv[i], "--entries"))
				entries = v;
			else if (!strcmp(argv[i], "--wakeup-bytes"))
				wakeup = v;
			else if (!strcmp(argv[i], "--repeat"))
				repeat = v;
			else {
				fprintf(stderr, "unknown option %s\n", argv[i]);
				return 2;
			}
			i++;
		} else if (n < MAX_OBJS) {
			sides[n++].name = argv[i];
		}
	}
	if (n < 2 || !rounds || !flows || flows > entries || !repeat) {
		fprintf(stderr, "usage: %s OBJ[@WAKEUP]... REFERENCE_OBJ[@WAKEUP] (2..%d objects) [--rounds N] [--flows N] [--entries N] "
				"[--wakeup-bytes N] [--repeat N]\n", argv[0], MAX_OBJS);
		return 2;
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	for (int j = 0; j < n; j++) {
		char *path = (char *)sides[j].name, *at = strrchr(path, '@');
		unsigned wb = wakeup;

		if (at) { /* OBJ@BYTES: this object's own wakeup threshold */
			*at = 0;
			wb = (unsigned)strtoul(at + 1, NULL, 10);
		}
		memset(&sides[j], 0, sizeof(sides[j]));
		open_any(&sides[j], path, entries, wb);
		sides[j].wakeup = wb;
		sides[j].new_ns = calloc(rounds, sizeof(double));
		sides[j].exist_ns = calloc(rounds, sizeof(double));
	}
	pkts = malloc((size_t)flows * PKT_LEN);
	for (unsigned i = 0; i < flows; i++)
		make_packet(pkts[i], i);

	printf("ns/packet per round (new, exist); %u new flows per round, existing-flow repeat %u, table %u\n", flows,
	       repeat, entries);
	for (unsigned r = 0; r < rounds; r++) {
		printf("%3u", r);
		/* rotate the order so that no object always runs first or right after another */
		for (int j = 0; j < n; j++) {
			struct side *s = &sides[(j + r) % n];

			reset(s);
			s->new_ns[r] = run_new(s, pkts, flows);
			s->exist_ns[r] = run_exist(s, pkts[flows - 1], repeat);
		}
		for (int j = 0; j < n; j++)
			printf("  %6.1f %5.1f", sides[j].new_ns[r], sides[j].exist_ns[r]);
		printf("\n");
	}
	{
		struct side *ref = &sides[n - 1];
		double *rn = calloc(rounds, sizeof(double)), *re = calloc(rounds, sizeof(double));

		for (int j = 0; j < n; j++) {
			struct side *s = &sides[j];

			reset(s);
			for (unsigned r = 0; r < rounds; r++) {
				rn[r] = s->new_ns[r] / ref->new_ns[r];
				re[r] = s->exist_ns[r] / ref->exist_ns[r];
			}
			printf("%-44s @%-7u new %6.1f (x%.3f of the last, median of per-round ratios)  exist %5.1f "
			       "(x%.3f)  records %lu/%lu\n", s->name, s->wakeup, median(s->new_ns, rounds), median(rn, rounds),
			       median(s->exist_ns, rounds), median(re, rounds), s->records, (unsigned long)rounds * flows);
		}
	}
	for (int j = 0; j < n; j++) {
		ring_buffer__free(sides[j].rb);
		bpf_object__close(sides[j].obj);
	}
	return 0;
}
