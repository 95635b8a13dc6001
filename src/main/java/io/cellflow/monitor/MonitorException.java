package io.cellflow.monitor;

import io.cellflow.bpf.Errno;
import java.util.Optional;

/**
 * A monitor operation the caller can act on failed. {@link Reason} says why; the API maps each reason to one HTTP
 * status. Carries the cell, the interface and the kernel's errno where they apply.
 */
public final class MonitorException extends RuntimeException {

    public enum Reason {
        /** a request field is malformed; {@link #field()} names it */
        INVALID_INPUT,
        /** no monitor runs for that cell */
        CELL_NOT_MONITORED,
        /** the network-namespace path does not exist or is not a network namespace */
        NETNS_NOT_FOUND,
        /** the interface does not exist in that namespace */
        INTERFACE_NOT_FOUND,
        /** the cgroup directory does not exist */
        CGROUP_NOT_FOUND,
        /** the path is not a cgroup v2 directory */
        NOT_A_CGROUP,
        /** the cell is already monitored */
        ALREADY_MONITORED,
        /** the requested backend is not built yet */
        BACKEND_NOT_IMPLEMENTED,
        /** no backend could start: the kernel refused, a library is missing, ... */
        BACKEND_UNAVAILABLE
    }

    private final Reason reason;
    private final String cellId;
    private final String field;
    private final String interfaceName;
    private final Errno errno;

    private MonitorException(Reason reason, String cellId, String field, String interfaceName, Errno errno,
            String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.cellId = cellId;
        this.field = field;
        this.interfaceName = interfaceName;
        this.errno = errno;
    }

    public static MonitorException invalid(String cellId, String field, String message) {
        return new MonitorException(Reason.INVALID_INPUT, cellId, field, null, null, message, null);
    }

    public static MonitorException of(Reason reason, String cellId, String message) {
        return new MonitorException(reason, cellId, null, null, null, message, null);
    }

    public static MonitorException kernel(Reason reason, String cellId, String interfaceName, Errno errno,
            String message, Throwable cause) {
        return new MonitorException(reason, cellId, null, interfaceName, errno, message, cause);
    }

    public Reason reason() {
        return reason;
    }

    public String cellId() {
        return cellId;
    }

    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    public Optional<String> interfaceName() {
        return Optional.ofNullable(interfaceName);
    }

    public Optional<Errno> errno() {
        return Optional.ofNullable(errno);
    }
}
