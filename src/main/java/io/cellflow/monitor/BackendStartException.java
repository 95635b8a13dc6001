package io.cellflow.monitor;

/**
 * A backend could not start for reasons of the host (not of the request): the trigger for falling back from eBPF
 * to nflog under {@code backend=auto}.
 */
final class BackendStartException extends RuntimeException {
    private final EbpfFailure failure;

    BackendStartException(EbpfFailure failure) {
        super(failure.describe(), failure.cause().orElse(null));
        this.failure = failure;
    }

    EbpfFailure failure() {
        return failure;
    }
}
