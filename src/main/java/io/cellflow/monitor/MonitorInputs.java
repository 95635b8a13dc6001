package io.cellflow.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import io.cellflow.policy.Policy;
import io.cellflow.policy.PolicyException;
import io.cellflow.policy.PolicyParser;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Validation of everything a caller sends before it reaches a syscall, netlink or nft. Allow-lists, not
 * deny-lists: a value either matches the documented form or is rejected with the field named.
 */
public final class MonitorInputs {
    private static final Pattern CELL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    // Linux allows almost any byte in an interface name; we accept the portable subset, 1-15 chars (IFNAMSIZ-1)
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}");
    private static final Pattern NETNS_NAMED = Pattern.compile("/run/netns/[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");
    private static final Pattern NETNS_PROC = Pattern.compile("/proc/[1-9][0-9]{0,9}/ns/net");
    private static final Pattern CGROUP = Pattern.compile("/sys/fs/cgroup(/[A-Za-z0-9_.@:+-]{1,255}){1,32}");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:/@+=-]{1,128}");
    /** Bounds of a per-monitor ring buffer: a power of two, so also a multiple of 4 and 16 KiB pages. */
    public static final int RING_BUFFER_MIN = 16 * 1024;
    public static final int RING_BUFFER_MAX = 64 * 1024 * 1024;

    private MonitorInputs() {}

    public static String cellId(String value) {
        if (value == null || !CELL_ID.matcher(value).matches()) {
            throw MonitorException.invalid(value, "cell_id",
                    "cell_id must match [A-Za-z0-9][A-Za-z0-9._-]{0,62}, got " + quote(value));
        }
        return value;
    }

    public static MonitorSpec spec(String cellId, String netns, String iface, String backend, String runId,
            String correlationId) {
        return spec(cellId, netns, iface, backend, runId, correlationId, null);
    }

    /** @param policy the request's {@code policy} member; absent or JSON null: no policy */
    public static MonitorSpec spec(String cellId, String netns, String iface, String backend, String runId,
            String correlationId, JsonNode policy) {
        String id = cellId(cellId);
        if (netns == null || !(NETNS_NAMED.matcher(netns).matches() || NETNS_PROC.matcher(netns).matches())) {
            throw MonitorException.invalid(id, "netns",
                    "netns must be /run/netns/NAME or /proc/PID/ns/net, got " + quote(netns));
        }
        if (iface == null || !IFNAME.matcher(iface).matches()) {
            throw MonitorException.invalid(id, "interface",
                    "interface must be 1-15 characters of [A-Za-z0-9_.-], not starting with '.' or '-', got "
                            + quote(iface));
        }
        BackendChoice choice = BackendChoice.parse(backend);
        if (choice == null) {
            throw MonitorException.invalid(id, "backend", "backend must be auto, ebpf or nflog, got " + quote(backend));
        }
        Policy p = policy == null || policy.isNull() || policy.isMissingNode() ? null : policy(id, policy);
        return new MonitorSpec(id, Path.of(netns), iface, choice, token(id, "run_id", runId),
                token(id, "correlation_id", correlationId), p);
    }

    /**
     * A cell that is a cgroup v2 directory (cgroup_skb hooks): {@code /sys/fs/cgroup/...}, no {@code .} or
     * {@code ..} segment. Only the eBPF backend can attach there.
     */
    public static MonitorSpec cgroupSpec(String cellId, String cgroup, String backend, String runId,
            String correlationId, JsonNode policy) {
        String id = cellId(cellId);
        if (cgroup == null || !CGROUP.matcher(cgroup).matches() || cgroup.contains("/./") || cgroup.contains("/../")
                || cgroup.endsWith("/.") || cgroup.endsWith("/..")) {
            throw MonitorException.invalid(id, "cgroup", "cgroup must be a directory under /sys/fs/cgroup/ of"
                    + " [A-Za-z0-9_.@:+-] segments, without . or .., got " + quote(cgroup));
        }
        BackendChoice choice = BackendChoice.parse(backend);
        if (choice == null || choice == BackendChoice.NFLOG) {
            throw MonitorException.invalid(id, "backend",
                    "a cgroup is monitored with backend auto or ebpf (nflog attaches to interfaces), got "
                            + quote(backend));
        }
        Policy p = policy == null || policy.isNull() || policy.isMissingNode() ? null : policy(id, policy);
        return new MonitorSpec(id, null, null, choice, token(id, "run_id", runId),
                token(id, "correlation_id", correlationId), p, Path.of(cgroup));
    }

    /** Adds the validated {@code keyset_id} and {@code issuer_kid} stamps to a spec. */
    public static MonitorSpec keys(MonitorSpec spec, String keysetId, String issuerKid) {
        return spec.withKeys(token(spec.cellId(), "keyset_id", keysetId), token(spec.cellId(), "issuer_kid",
                issuerKid));
    }

    /**
     * Adds the validated {@code ring_buffer_bytes} to a spec: absent keeps the configured default; otherwise a
     * power of two from {@value #RING_BUFFER_MIN} to {@value #RING_BUFFER_MAX} bytes.
     */
    public static MonitorSpec ringBufferBytes(MonitorSpec spec, Long bytes) {
        if (bytes == null) {
            return spec;
        }
        if (bytes < RING_BUFFER_MIN || bytes > RING_BUFFER_MAX || Long.bitCount(bytes) != 1) {
            throw MonitorException.invalid(spec.cellId(), "ring_buffer_bytes", "ring_buffer_bytes must be a power"
                    + " of two from " + RING_BUFFER_MIN + " (16 KiB) to " + RING_BUFFER_MAX + " (64 MiB), got "
                    + bytes);
        }
        return spec.withRingBufferBytes(bytes.intValue());
    }

    /**
     * A policy document, validated ({@link PolicyParser}).
     *
     * @throws MonitorException INVALID_INPUT whose field names the member, e.g. {@code policy.rules[2].cidr}
     */
    public static Policy policy(String cellId, JsonNode doc) {
        try {
            return PolicyParser.parse(doc, "policy");
        } catch (PolicyException e) {
            throw MonitorException.invalid(cellId, e.field(), e.getMessage());
        }
    }

    private static String token(String cellId, String field, String value) {
        if (value != null && !TOKEN.matcher(value).matches()) {
            throw MonitorException.invalid(cellId, field,
                    field + " must be 1-128 characters of [A-Za-z0-9._:/@+=-], got " + quote(value));
        }
        return value;
    }

    private static String quote(String value) {
        if (value == null) {
            return "nothing";
        }
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
    }
}
