package io.cellflow.nflog;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The nft ruleset of one NFLOG monitor: one table {@code inet cellflow_<x>} in the cell's namespace whose input
 * and output chains log the first packet of every connection ({@code ct state new}) on the cell's interface to
 * an NFLOG group, with a prefix that carries the direction. The chains only observe (policy accept, no verdict).
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

    private final String table;
    private final String ifname;
    private final int group;

    /**
     * @param group the NFLOG group (0..65535); groups are per network namespace, so only monitors in the same
     *     namespace need different ones
     * @throws IllegalArgumentException if the cell id or interface name does not match its pattern, or the group is
     *     out of range
     */
    public NflogRuleset(String cellId, String ifname, int group) {
        if (ifname == null || !IFNAME.matcher(ifname).matches()) {
            throw new IllegalArgumentException("interface name " + ifname + " does not match " + IFNAME);
        }
        if (group < 0 || group > 0xffff) {
            throw new IllegalArgumentException("NFLOG group " + group + " is not in 0..65535");
        }
        this.table = tableName(cellId);
        this.ifname = ifname;
        this.group = group;
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

    /**
     * The script for {@code nft -f -}. It first adds and deletes the table, so a leftover of ours (a killed
     * process) is replaced instead of getting duplicate rules; nft applies the whole script as one transaction.
     */
    public String render() {
        return "add table inet " + table + "\n"
                + "delete table inet " + table + "\n"
                + "table inet " + table + " {\n"
                + chain("output", "output", "oifname", NflogAbi.PREFIX_EGRESS)
                + chain("input", "input", "iifname", NflogAbi.PREFIX_INGRESS)
                + "}\n";
    }

    private String chain(String name, String hook, String ifMatch, String prefix) {
        return "\tchain " + name + " {\n"
                + "\t\ttype filter hook " + hook + " priority 0; policy accept;\n"
                + "\t\t" + ifMatch + " \"" + ifname + "\" ct state new log prefix \"" + prefix + "\" group " + group
                + "\n"
                + "\t}\n";
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
