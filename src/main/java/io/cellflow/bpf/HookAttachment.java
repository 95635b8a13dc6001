package io.cellflow.bpf;

/**
 * A program attached to one hook of one interface. {@link #close()} detaches it, removes only what this
 * attachment created, never throws, and is idempotent.
 */
public interface HookAttachment extends AutoCloseable {
    /** {@code tcx} or {@code tc}: shown in the monitor's status. */
    String mode();

    @Override
    void close();
}
