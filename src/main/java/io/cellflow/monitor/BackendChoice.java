package io.cellflow.monitor;

/** What the caller asked for: a backend, or {@code auto} to let cellflow choose. */
public enum BackendChoice {
    AUTO,
    EBPF,
    NFLOG;

    /** @return the choice for {@code auto|ebpf|nflog}, or {@code null} for anything else */
    public static BackendChoice parse(String value) {
        if (value == null) {
            return AUTO;
        }
        return switch (value) {
            case "auto" -> AUTO;
            case "ebpf" -> EBPF;
            case "nflog" -> NFLOG;
            default -> null;
        };
    }
}
