package io.cellflow.nflog;

import io.cellflow.policy.Action;
import io.cellflow.policy.Cidr;
import io.cellflow.policy.Policy;
import io.cellflow.policy.PortRange;
import io.cellflow.policy.Rule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The nft ruleset of one NFLOG monitor: one table {@code inet cellflow_<x>} in the cell's namespace whose input
 * and output chains log the first packet of every connection ({@code ct state new}) on the cell's interface to
 * an NFLOG group, with a prefix that carries the direction. Without a policy the chains only observe (policy
 * accept, no verdict).
 *
 * <p>With a {@link Policy}, the output chain first jumps to an {@code egress_policy} chain for every packet on the
 * interface, stateless like the BPF backend. It renders the same semantics as the kernel's trie lookup (see
 * {@link Policy}): CIDR groups longest prefix first, each group's rules in request order, then a catch-all for the
 * group so that a packet never falls through to a shorter prefix, then the default. A denied packet is logged with
 * prefix {@code cf:deny:<rule_ref>:} and dropped; an allowed one returns to the output chain, whose {@code ct state
 * new} rule logs it as today. Every value in a rule is re-serialised from the parsed policy (CIDR from its bytes,
 * numbers as ints), never copied from the request text.
 *
 * <p>The table is the unit of ownership: {@link #install} writes it in one nft transaction, {@link #remove}
 * deletes exactly it, and nothing here ever flushes the ruleset, so other tables in the namespace (the cell's own
 * firewall, another tool's) are never touched. Immutable and thread-safe; install and remove run nft as a child
 * process ({@link NftRunner}) and block for at most {@link NftRunner#TIMEOUT_SECONDS} each.
 */
public final class NflogRuleset {
    /** Cell ids as the API validates them; asserted again because the id reaches an nft script. */
    static final Pattern CELL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    /** Interface names as the API validates them; asserted again because the name reaches an nft script. */
    static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}");

    /** Groups {@link #defaultGroup} picks from: clear of the low numbers people choose by hand. */
    public static final int DEFAULT_GROUP_MIN = 10000;
    public static final int DEFAULT_GROUP_MAX = 59999;

    /** Chain the output chain jumps to when there is a policy. */
    static final String POLICY_CHAIN = "egress_policy";

    private final String table;
    private final String ifname;
    private final int group;
    private final Policy policy;

    /**
     * @param group the NFLOG group (0..65535); groups are per network namespace, so only monitors in the same
     *     namespace need different ones
     * @throws IllegalArgumentException if the cell id or interface name does not match its pattern, or the group is
     *     out of range
     */
    public NflogRuleset(String cellId, String ifname, int group) {
        this(cellId, ifname, group, null);
    }

    /**
     * @param policy the cell's egress policy, or {@code null} for none (observe only)
     * @throws IllegalArgumentException as {@link #NflogRuleset(String, String, int)}
     */
    public NflogRuleset(String cellId, String ifname, int group, Policy policy) {
        if (ifname == null || !IFNAME.matcher(ifname).matches()) {
            throw new IllegalArgumentException("interface name " + ifname + " does not match " + IFNAME);
        }
        if (group < 0 || group > 0xffff) {
            throw new IllegalArgumentException("NFLOG group " + group + " is not in 0..65535");
        }
        this.table = tableName(cellId);
        this.ifname = ifname;
        this.group = group;
        this.policy = policy;
    }

    /** The same table with another policy ({@code null}: none). */
    public NflogRuleset withPolicy(Policy newPolicy) {
        return new NflogRuleset(this, newPolicy);
    }

    private NflogRuleset(NflogRuleset base, Policy policy) {
        this.table = base.table;
        this.ifname = base.ifname;
        this.group = base.group;
        this.policy = policy;
    }

    /** With the cell's {@link #defaultGroup}. */
    public NflogRuleset(String cellId, String ifname) {
        this(cellId, ifname, defaultGroup(cellId));
    }

    /**
     * {@code cellflow_} + the id with {@code .} and {@code -} turned into {@code _} (nft identifiers allow neither)
     * + {@code _} + 8 hex digits of the id's SHA-256. The hash keeps ids that differ only in {@code .}/{@code -}/
     * {@code _} ({@code a.b}, {@code a-b}, {@code a_b}) apart.
     */
    public static String tableName(String cellId) {
        if (cellId == null || !CELL_ID.matcher(cellId).matches()) {
            throw new IllegalArgumentException("cell id " + cellId + " does not match " + CELL_ID);
        }
        return "cellflow_" + cellId.replace('.', '_').replace('-', '_') + "_"
                + HexFormat.of().formatHex(sha256(cellId), 0, 4);
    }

    /** A group in {@value #DEFAULT_GROUP_MIN}..{@value #DEFAULT_GROUP_MAX} derived from the id's hash. */
    public static int defaultGroup(String cellId) {
        tableName(cellId); // validates
        byte[] h = sha256(cellId);
        long v = ((h[4] & 0xffL) << 24) | ((h[5] & 0xff) << 16) | ((h[6] & 0xff) << 8) | (h[7] & 0xff);
        return DEFAULT_GROUP_MIN + (int) (v % (DEFAULT_GROUP_MAX - DEFAULT_GROUP_MIN + 1));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    public String tableName() {
        return table;
    }

    public String ifname() {
        return ifname;
    }

    public int group() {
        return group;
    }

    /** The policy the table enforces, or {@code null}. */
    public Policy policy() {
        return policy;
    }

    /**
     * The script for {@code nft -f -}. It first adds and deletes the table, so a leftover of ours (a killed
     * process) is replaced instead of getting duplicate rules; nft applies the whole script as one transaction.
     * The same script replaces the policy of a running table: packets meet the old table or the new one, never a
     * mix, and the NFLOG socket, bound to the group rather than to the table, reads on.
     */
    public String render() {
        return "add table inet " + table + "\n"
                + "delete table inet " + table + "\n"
                + "table inet " + table + " {\n"
                + chain("output", "output", "oifname", NflogAbi.PREFIX_EGRESS, policy != null)
                + chain("input", "input", "iifname", NflogAbi.PREFIX_INGRESS, false)
                + (policy != null ? policyChain() : "")
                + "}\n";
    }

    private String chain(String name, String hook, String ifMatch, String prefix, boolean police) {
        return "\tchain " + name + " {\n"
                + "\t\ttype filter hook " + hook + " priority 0; policy accept;\n"
                + (police ? "\t\t" + ifMatch + " \"" + ifname + "\" jump " + POLICY_CHAIN + "\n" : "")
                + "\t\t" + ifMatch + " \"" + ifname + "\" ct state new log prefix \"" + prefix + "\" group " + group
                + "\n"
                + "\t}\n";
    }

    private String policyChain() {
        StringBuilder sb = new StringBuilder("\tchain " + POLICY_CHAIN + " {\n");
        // neighbour discovery is never policed (as in the BPF program): a default deny must not cut the link
        sb.append("\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }"
                + " return\n");
        Map<Cidr, List<Rule>> groups = new LinkedHashMap<>();
        for (Rule r : policy.rules()) {
            groups.computeIfAbsent(r.cidr(), c -> new ArrayList<>()).add(r);
        }
        // IPv4 then IPv6 (they never meet), longest prefix first; the stable sort keeps first-appearance order
        // among CIDRs of equal length, which are disjoint
        List<Cidr> order = new ArrayList<>(groups.keySet());
        order.sort(Comparator.comparingInt(Cidr::family).thenComparing(Comparator.comparingInt(Cidr::prefixLength)
                .reversed()));
        for (Cidr cidr : order) {
            String dst = (cidr.family() == 4 ? "ip" : "ip6") + " daddr " + cidr.text();
            for (Rule r : groups.get(cidr)) {
                sb.append("\t\t").append(dst);
                if (r.protocol() != null) {
                    sb.append(" meta l4proto ").append(r.protocol().number());
                }
                if (!r.ports().isEmpty()) {
                    sb.append(" th dport { ");
                    for (int i = 0; i < r.ports().size(); i++) {
                        PortRange p = r.ports().get(i);
                        sb.append(i == 0 ? "" : ", ").append(p.lo());
                        if (p.hi() != p.lo()) {
                            sb.append('-').append(p.hi());
                        }
                    }
                    sb.append(" }");
                }
                sb.append(verdict(r.action(), r.ref())).append('\n');
            }
            // no rule of the longest prefix matched: the default, not a shorter prefix
            sb.append("\t\t").append(dst).append(verdict(policy.defaultAction(), 0)).append('\n');
        }
        if (policy.defaultAction() == Action.DENY) {
            sb.append("\t\t").append(verdict(Action.DENY, 0).substring(1)).append('\n');
        }
        return sb.append("\t}\n").toString();
    }

    /** " return" (back to the output chain, which logs new connections) or " log prefix ... drop". */
    private String verdict(Action action, int ruleRef) {
        return action == Action.ALLOW ? " return"
                : " log prefix \"" + NflogAbi.PREFIX_DENY + ruleRef + ":\" group " + group + " drop";
    }

    /**
     * Installs the table in the namespace at {@code netnsPath} ({@code /run/netns/NAME} or
     * {@code /proc/PID/ns/net}).
     *
     * @throws NflogException NETNS_NOT_FOUND if the path does not exist, NFT_FAILED with nft's exit code and
     *     stderr otherwise
     */
    public void install(Path netnsPath) throws NflogException {
        requireNetns(netnsPath);
        NftRunner.Result r = NftRunner.run(netnsPath, render(), "install table " + table + " in " + netnsPath,
                "-f", "-");
        if (!r.ok()) {
            throw NflogException.nftFailed("install table " + table + " in " + netnsPath, r.exitCode(), r.stderr());
        }
    }

    /**
     * Deletes our table, and only it. A namespace that is gone took the table with it, and a table that is
     * already gone needs nothing: both are no-ops.
     *
     * @throws NflogException NFT_FAILED if the table is still there after nft's attempt to delete it
     */
    public void remove(Path netnsPath) throws NflogException {
        if (!Files.exists(netnsPath)) {
            return;
        }
        String what = "delete table " + table + " in " + netnsPath;
        NftRunner.Result r = NftRunner.run(netnsPath, null, what, "delete", "table", "inet", table);
        if (r.ok() || !Files.exists(netnsPath)) {
            return;
        }
        // tell "not there" from a real failure by asking, not by parsing nft's message
        if (NftRunner.run(netnsPath, null, "list table " + table, "list", "table", "inet", table).ok()) {
            throw NflogException.nftFailed(what, r.exitCode(), r.stderr());
        }
    }

    private static void requireNetns(Path netnsPath) throws NflogException {
        if (!Files.exists(netnsPath)) {
            throw NflogException.netnsNotFound(netnsPath);
        }
    }
}
