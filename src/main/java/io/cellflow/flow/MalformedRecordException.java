package io.cellflow.flow;

/** A kernel record that does not have the layout of {@code bpf/cellflow.h}: a build mismatch, never user input. */
public final class MalformedRecordException extends RuntimeException {
    public MalformedRecordException(String message) {
        super(message);
    }
}
