package io.cellflow.bpf;

import java.util.Optional;

/**
 * A typed failure of a kernel-side step: which step ({@link Stage}), the kernel's errno when there is one, and a
 * detail such as the path, the interface or a verifier log excerpt. Callers branch on {@link #stage()}, never on
 * the message.
 */
public final class BpfException extends Exception {

    public enum Stage {
        /** libc or libbpf cannot be bound (libbpf1 missing, not Linux). */
        NATIVE_UNAVAILABLE,
        /** the network-namespace file does not exist or is not a network namespace. */
        NETNS_NOT_FOUND,
        /** setns(2) into the namespace, or back out of it, failed. */
        NETNS_ENTER,
        /** no interface of that name in the namespace. */
        INTERFACE_NOT_FOUND,
        /** the BPF object file does not exist. */
        OBJECT_MISSING,
        /** libbpf could not open or parse the object, or it lacks a program or map we need. */
        OPEN,
        /** the kernel refused to load the programs or create the maps. */
        LOAD,
        /** attaching to the interface's hooks failed. */
        ATTACH,
        /** the ring buffer could not be mapped or polled. */
        RING_BUFFER,
        /** writing the policy maps failed; the policy that was live stays live. */
        POLICY
    }

    private final Stage stage;
    private final Errno errno;
    private final String detail;

    public BpfException(Stage stage, Errno errno, String message) {
        this(stage, errno, message, null);
    }

    /** @param detail the object path (OBJECT_MISSING, OPEN) or the verifier log excerpt (LOAD) */
    public BpfException(Stage stage, Errno errno, String message, String detail) {
        super(message + (errno == null ? "" : ": " + errno));
        this.stage = stage;
        this.errno = errno;
        this.detail = detail;
    }

    public BpfException(Stage stage, String message, Throwable cause) {
        super(message + ": " + cause.getMessage(), cause);
        this.stage = stage;
        this.errno = null;
        this.detail = null;
    }

    /** The object path (OBJECT_MISSING, OPEN) or the tail of the verifier log (LOAD), when known. */
    public Optional<String> detail() {
        return Optional.ofNullable(detail);
    }

    public Stage stage() {
        return stage;
    }

    public Optional<Errno> errno() {
        return Optional.ofNullable(errno);
    }
}
