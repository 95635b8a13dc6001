package io.cellflow.nflog;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.Errno;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A typed failure of the NFLOG backend: what went wrong ({@link Kind}), and the evidence a caller can show — the
 * kernel's errno, or nft's exit code and stderr. Callers branch on {@link #kind()}, never on the message; the
 * original exception (a {@link BpfException} from namespace entry, an {@code IOException} from starting nft) stays
 * the cause.
 */
public final class NflogException extends Exception {

    public enum Kind {
        /** the namespace path cannot be opened, is not a network namespace, or cannot be entered (errno says). */
        NETNS_NOT_FOUND,
        /** no interface of that name in the namespace. */
        INTERFACE_NOT_FOUND,
        /** nft failed, could not start, or did not finish in time ({@link #nftExitCode()}, {@link #nftStderr()}). */
        NFT_FAILED,
        /** the NETLINK_NETFILTER socket could not be created, bound, configured or read ({@link #errno()}). */
        NETLINK_FAILED
    }

    private final Kind kind;
    private final Errno errno;
    private final Integer nftExitCode;
    private final String nftStderr;

    private NflogException(Kind kind, String message, Errno errno, Integer nftExitCode, String nftStderr,
            Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.errno = errno;
        this.nftExitCode = nftExitCode;
        this.nftStderr = nftStderr;
    }

    /** A netlink step the kernel refused. */
    static NflogException netlink(String what, Errno errno) {
        return new NflogException(Kind.NETLINK_FAILED, what + ": " + errno, errno, null, null, null);
    }

    static NflogException netnsNotFound(java.nio.file.Path netnsPath) {
        return new NflogException(Kind.NETNS_NOT_FOUND, "network namespace " + netnsPath + " does not exist", null,
                null, null, null);
    }

    static NflogException interfaceNotFound(String ifname, String netns, Errno errno) {
        return new NflogException(Kind.INTERFACE_NOT_FOUND, "no interface " + ifname + " in " + netns
                + (errno == null || errno.number() == 0 ? "" : ": " + errno), errno, null, null, null);
    }

    /** nft ran and exited non-zero; {@code stderr} is what it printed (trimmed). */
    static NflogException nftFailed(String what, int exitCode, String stderr) {
        return new NflogException(Kind.NFT_FAILED, what + ": nft exited " + exitCode
                + (stderr.isEmpty() ? "" : ": " + stderr), null, exitCode, stderr, null);
    }

    /** nft could not be started or did not finish in time: no exit code. */
    static NflogException nftFailed(String what, String stderr, Throwable cause) {
        return new NflogException(Kind.NFT_FAILED, what + (cause == null ? "" : ": " + cause.getMessage())
                + (stderr.isEmpty() ? "" : ": " + stderr), null, null, stderr, cause);
    }

    /**
     * Maps a failure of {@link io.cellflow.bpf.NetnsExecutor} (or of an action run by it) onto our kinds, keeping
     * the errno and the exception as the cause.
     */
    static NflogException fromNetns(BpfException e) {
        Kind kind = switch (e.stage()) {
            case INTERFACE_NOT_FOUND -> Kind.INTERFACE_NOT_FOUND;
            // a namespace we cannot enter is, for the caller, one it cannot use: the errno tells which
            case NETNS_NOT_FOUND, NETNS_ENTER -> Kind.NETNS_NOT_FOUND;
            default -> Kind.NETLINK_FAILED;
        };
        return new NflogException(kind, e.getMessage(), e.errno().orElse(null), null, null, e);
    }

    public Kind kind() {
        return kind;
    }

    /** The kernel's errno, for {@link Kind#NETLINK_FAILED} and namespace or interface failures when known. */
    public Optional<Errno> errno() {
        return Optional.ofNullable(errno);
    }

    /** nft's exit code, for {@link Kind#NFT_FAILED} when nft ran to its end. */
    public OptionalInt nftExitCode() {
        return nftExitCode == null ? OptionalInt.empty() : OptionalInt.of(nftExitCode);
    }

    /** What nft printed on stderr, for {@link Kind#NFT_FAILED}. */
    public Optional<String> nftStderr() {
        return Optional.ofNullable(nftStderr);
    }
}
