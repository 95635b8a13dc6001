/* sse_client.c - the benchmark's SSE client for GET /cells/{id}/flows.
 *
 *   sse_client --url http://HOST:PORT/PATH --mode count|latency --max-seconds S [--out FILE]
 *
 * Connects, prints "READY" on stdout once the response headers are in, then reads until
 * SIGINT/SIGTERM, --max-seconds (SIGALRM) or the end of the stream, and prints one line:
 *
 *   CLIENT events=N opened=N lost_notices=N missed=N bytes=N secs=S first_to_last_s=S
 *          [lat_n=N lat_p50_us=.. lat_p99_us=.. lat_p999_us=.. lat_max_us=..]
 *
 * It replaces a Python reader that shared the service's CPU (SVC_CPU) and took time the service
 * needed at high rates; the counting rules are the Python client's:
 *   count:   counts `event:flow.` in whole frames (up to the last blank line received), so every
 *            flow event the service published (opened, updated, closed), and `opened` the
 *            `event:flow.opened` frames among them (one per ring record); `bytes` is the body after
 *            de-chunking; a frame `event:lost` adds one notice and its `"missed":N`.
 *   latency: also, per `event:flow.opened` frame only, receive time minus its `observed_at` (the
 *            kernel's first-packet time, CLOCK_MONOTONIC mapped to wall time by the service):
 *            CLOCK_REALTIME when the read() holding the frame returned. A flow.updated or
 *            flow.closed carries the flow's first-packet time too, so its "latency" would be the
 *            flow's age. Percentiles: index round(p * (n - 1)) of the sorted values.
 *   --out FILE (latency): every latency in us, one per line.
 * Bounded: --max-seconds arms alarm(); the signals stay blocked except inside ppoll(), so one
 * that arrives while a read is being counted still ends the next wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (1 << 20)

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *msg)
{
	fprintf(stderr, "sse_client: %s\n", msg);
	exit(2);
}

/* --- growable buffers ----------------------------------------------------------------------- */
struct bytes { char *p; size_t len, cap; };

static void bytes_reserve(struct bytes *b, size_t extra)
{
	if (b->len + extra <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 1 << 16;
	while (cap < b->len + extra)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (!b->p)
		die("out of memory");
	b->cap = cap;
}

struct lats { double *v; size_t n, cap; };

static void lats_add(struct lats *l, double us)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1 << 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("out of memory");
	}
	l->v[l->n++] = us;
}

/* --- RFC 3339 as Instant.toString prints it: YYYY-MM-DDTHH:MM:SS[.fraction]Z ------------------ */
static char minute_key[17];
static int64_t minute_base;

static int rfc3339_ns(const char *s, size_t len, int64_t *out)
{
	if (len < 20 || s[len - 1] != 'Z')
		return -1;
	if (memcmp(s, minute_key, 16) != 0) {
		struct tm tm = { 0 };
		char key[17];
		memcpy(key, s, 16);
		key[16] = 0;
		if (sscanf(key, "%4d-%2d-%2dT%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			   &tm.tm_min) != 5)
			return -1;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		minute_base = (int64_t)timegm(&tm) * 1000000000LL;
		memcpy(minute_key, key, 17);
	}
	int64_t sec = (s[17] - '0') * 10 + (s[18] - '0'), frac = 0;
	if (len > 20 && s[19] == '.') {
		size_t i = 20, d = 0;
		for (; i < len - 1 && d < 9; i++, d++)
			frac = frac * 10 + (s[i] - '0');
		for (; d < 9; d++)
			frac *= 10;
	}
	*out = minute_base + sec * 1000000000LL + frac;
	return 0;
}

/* --- counting ------------------------------------------------------------------------------- */
struct counts {
	long long events, opened, lost, missed, nbytes;
	int64_t first, last; /* CLOCK_MONOTONIC ns; first == 0: none yet */
};

static size_t count_str(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), c = 0;
	const char *e = p + n;
	while ((p = memmem(p, (size_t)(e - p), needle, k)) != NULL) {
		c++;
		p += k;
	}
	return c;
}

static void lost_notices(const char *p, size_t n, struct counts *c)
{
	const char *e = p + n;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		size_t ll = (size_t)(le - p);
		if (ll >= 5 && memcmp(p, "data:", 5) == 0) {
			const char *m = memmem(p, ll, "\"missed\":", 9);
			if (m) {
				c->lost++;
				c->missed += strtoll(m + 9, NULL, 10);
			}
		}
		p = le + 1;
	}
}

static void latencies(const char *p, size_t n, int64_t now, struct lats *l)
{
	static const char key[] = "\"observed_at\":\"";
	const char *e = p + n;
	while (p < e) {
		const char *end = memmem(p, (size_t)(e - p), "\n\n", 2);
		const char *fe = end ? end : e;
		size_t fl = (size_t)(fe - p);
		if (memmem(p, fl, "event:flow.opened\n", 18)) {
			const char *i = memmem(p, fl, key, sizeof(key) - 1);
			if (i) {
				const char *j = i + sizeof(key) - 1;
				const char *q = memchr(j, '"', (size_t)(fe - j));
				int64_t t;
				if (q && rfc3339_ns(j, (size_t)(q - j), &t) == 0)
					lats_add(l, (double)(now - t) / 1000.0);
			}
		}
		p = fe + 2;
	}
}

/* --- HTTP ----------------------------------------------------------------------------------- */
struct url { char host[256], port[8], path[2048]; };

static int parse_url(const char *s, struct url *u)
{
	if (strncmp(s, "http://", 7) != 0)
		return -1;
	s += 7;
	const char *slash = strchr(s, '/');
	const char *hp_end = slash ? slash : s + strlen(s);
	const char *colon = memchr(s, ':', (size_t)(hp_end - s));
	size_t hl = (size_t)((colon ? colon : hp_end) - s);
	if (hl == 0 || hl >= sizeof(u->host))
		return -1;
	memcpy(u->host, s, hl);
	u->host[hl] = 0;
	if (colon) {
		size_t pl = (size_t)(hp_end - colon - 1);
		if (pl == 0 || pl >= sizeof(u->port))
			return -1;
		memcpy(u->port, colon + 1, pl);
		u->port[pl] = 0;
	} else {
		strcpy(u->port, "80");
	}
	snprintf(u->path, sizeof(u->path), "%s", slash ? slash : "/");
	return 0;
}

static int connect_to(const struct url *u)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *a;
	if (getaddrinfo(u->host, u->port, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Chunked transfer decoding, fed whatever read() returned. */
enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_DONE };
struct chunked { int state; size_t left; char line[64]; size_t ll; };

/* Appends the body bytes of in[0..n) to out; returns 1 once the last chunk was seen. */
static int dechunk(struct chunked *c, const char *in, size_t n, struct bytes *out)
{
	size_t i = 0;
	while (i < n && c->state != CH_DONE) {
		if (c->state == CH_SIZE) {
			char ch = in[i++];
			if (ch == '\n') {
				c->line[c->ll] = 0;
				c->left = strtoul(c->line, NULL, 16); /* stops at ';' extensions or '\r' */
				c->ll = 0;
				c->state = c->left ? CH_DATA : CH_DONE;
			} else if (c->ll < sizeof(c->line) - 1) {
				c->line[c->ll++] = ch;
			}
		} else if (c->state == CH_DATA) {
			size_t k = n - i < c->left ? n - i : c->left;
			bytes_reserve(out, k);
			memcpy(out->p + out->len, in + i, k);
			out->len += k;
			i += k;
			c->left -= k;
			if (!c->left)
				c->state = CH_DATA_END;
		} else { /* CH_DATA_END: the CRLF after the data, up to its '\n' */
			if (in[i++] == '\n')
				c->state = CH_SIZE;
		}
	}
	return c->state == CH_DONE;
}

/* Waits until fd is readable with the stop signals let in; 0: readable, -1: stopped or failed. */
static int wait_readable(int fd, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, waitmask) >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const struct lats *l, double p)
{
	if (!l->n)
		return 0;
	double r = rint(p * (double)(l->n - 1)); /* round half to even, as Python's round() */
	size_t i = r < 0 ? 0 : (size_t)r;
	return l->v[i < l->n ? i : l->n - 1];
}

static void usage(void)
{
	fprintf(stderr, "usage: sse_client --url http://HOST:PORT/PATH [--mode count|latency] "
			"[--max-seconds S] [--out FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *url_s = NULL, *out_path = NULL;
	int latency = 0;
	double max_seconds = 120;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--url"))
			url_s = argv[++i];
		else if (!strcmp(argv[i], "--mode")) {
			const char *m = argv[++i];
			if (!strcmp(m, "latency"))
				latency = 1;
			else if (strcmp(m, "count"))
				usage();
		} else if (!strcmp(argv[i], "--max-seconds")) {
			char *end;
			max_seconds = strtod(argv[++i], &end);
			if (*end || !(max_seconds > 0) || max_seconds > 86400)
				usage();
		} else if (!strcmp(argv[i], "--out"))
			out_path = argv[++i];
		else
			usage();
	}
	struct url u;
	if (!url_s || parse_url(url_s, &u))
		usage();

	/* step: signals end the read loop: blocked, and let in only while ppoll() waits */
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm(max_seconds < 1 ? 1 : (unsigned)max_seconds);

	/* step: request, then the response head */
	int fd = connect_to(&u);
	if (fd < 0) {
		printf("CLIENT error=connect\n");
		return 1;
	}
	char req[4096];
	int rl = snprintf(req, sizeof(req),
			  "GET %s HTTP/1.1\r\nHost: %s:%s\r\nAccept-Encoding: identity\r\n"
			  "Accept: text/event-stream\r\n\r\n", u.path, u.host, u.port);
	if (rl <= 0 || (size_t)rl >= sizeof(req) || write(fd, req, (size_t)rl) != rl) {
		printf("CLIENT error=request\n");
		return 1;
	}
	char *rbuf = malloc(READ_SIZE);
	struct bytes head = { 0 }, body = { 0 };
	if (!rbuf)
		die("out of memory");
	char *hend = NULL;
	while (!hend) {
		ssize_t r = wait_readable(fd, &waitmask) ? -1 : read(fd, rbuf, READ_SIZE);
		if (r <= 0) {
			printf("CLIENT error=%s\n", r == 0 ? "eof_in_headers" : "read_headers");
			return 1;
		}
		bytes_reserve(&head, (size_t)r + 1);
		memcpy(head.p + head.len, rbuf, (size_t)r);
		head.len += (size_t)r;
		head.p[head.len] = 0;
		hend = memmem(head.p, head.len, "\r\n\r\n", 4);
	}
	int status = 0;
	if (sscanf(head.p, "HTTP/%*d.%*d %d", &status) != 1 || status != 200) {
		printf("CLIENT error=http_%d\n", status);
		return 1;
	}
	*hend = 0;
	int chunked_te = 0;
	for (char *line = strstr(head.p, "\r\n"); line && *line; line = strstr(line + 2, "\r\n"))
		if (!strncasecmp(line + 2, "transfer-encoding:", 18) && strcasestr(line + 2, "chunked"))
			chunked_te = 1;
	printf("READY\n");
	fflush(stdout);

	/* step: read until a signal or the end; count whole frames of each read */
	int64_t t0 = clock_ns(CLOCK_MONOTONIC);
	struct counts c = { 0 };
	struct lats lats = { 0 };
	struct chunked ch = { 0 };
	int done = 0;
	size_t rest = head.len - (size_t)(hend + 4 - head.p);
	const char *first_in = hend + 4;
	while (!stop && !done) {
		ssize_t r;
		const char *in;
		if (rest) { /* body bytes that came with the headers */
			in = first_in;
			r = (ssize_t)rest;
			rest = 0;
		} else {
			if (wait_readable(fd, &waitmask))
				break;
			r = read(fd, rbuf, READ_SIZE);
			if (r <= 0)
				break;
			in = rbuf;
		}
		int64_t now = clock_ns(CLOCK_REALTIME);
		size_t before = body.len;
		if (chunked_te) {
			done = dechunk(&ch, in, (size_t)r, &body);
		} else {
			bytes_reserve(&body, (size_t)r);
			memcpy(body.p + body.len, in, (size_t)r);
			body.len += (size_t)r;
		}
		c.nbytes += (long long)(body.len - before);
		const char *cut = NULL;
		for (const char *p = body.p + body.len; p > body.p + 1; p--) /* the last blank line */
			if (p[-1] == '\n' && p[-2] == '\n') {
				cut = p;
				break;
			}
		if (!cut)
			continue;
		size_t whole = (size_t)(cut - body.p);
		size_t n = count_str(body.p, whole, "event:flow.");
		if (n) {
			c.events += (long long)n;
			c.opened += (long long)count_str(body.p, whole, "event:flow.opened\n");
			int64_t m = clock_ns(CLOCK_MONOTONIC);
			if (!c.first)
				c.first = m;
			c.last = m;
		}
		if (memmem(body.p, whole, "event:lost", 10))
			lost_notices(body.p, whole, &c);
		if (latency && n)
			latencies(body.p, whole, now, &lats);
		memmove(body.p, cut, body.len - whole);
		body.len -= whole;
	}
	alarm(0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	double secs = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	printf("CLIENT events=%lld opened=%lld lost_notices=%lld missed=%lld bytes=%lld secs=%.3f first_to_last_s=%.3f",
	       c.events, c.opened, c.lost, c.missed, c.nbytes, secs, c.first ? (double)(c.last - c.first) / 1e9 : 0.0);
	if (latency) {
		double *unsorted = NULL;
		if (out_path && lats.n) { /* the file keeps arrival order */
			unsorted = malloc(lats.n * sizeof(double));
			if (unsorted)
				memcpy(unsorted, lats.v, lats.n * sizeof(double));
		}
		qsort(lats.v, lats.n, sizeof(double), cmp_double);
		printf(" lat_n=%zu lat_p50_us=%.0f lat_p99_us=%.0f lat_p999_us=%.0f lat_max_us=%.0f",
		       lats.n, pct(&lats, 0.5), pct(&lats, 0.99), pct(&lats, 0.999),
		       lats.n ? lats.v[lats.n - 1] : 0.0);
		if (out_path) {
			FILE *f = fopen(out_path, "w");
			if (f) {
				for (size_t i = 0; unsorted && i < lats.n; i++)
					fprintf(f, i ? "\n%.1f" : "%.1f", unsorted[i]);
				fclose(f);
			}
		}
		free(unsorted);
	}
	printf("\n");
	fflush(stdout);
	close(fd);
	return 0;
}
