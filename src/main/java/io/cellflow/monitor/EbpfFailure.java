package io.cellflow.monitor;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.Errno;
import java.util.Optional;

/**
 * Why the eBPF backend could not start for a cell, as a closed set of causes. Each keeps the kernel's errno and
 * the original exception; {@link #describe()} is the human-readable {@code fallback_reason}, {@link #code()} the
 * metric label.
 */
public sealed interface EbpfFailure {

    /** A short stable name, e.g. {@code object_missing}: the {@code cause} label of the fallback metric. */
    String code();

    /** One line for operators: what failed, where, and the errno text. */
    String describe();

    /** The exception that carried the failure, if any. */
    Optional<Throwable> cause();

    /** Not Linux, libbpf not installed, or the kernel lacks a feature (named by a probe). */
    record Unsupported(String feature, Throwable error) implements EbpfFailure {
        public String code() {
            return "unsupported";
        }

        public String describe() {
            return "Unsupported: " + feature;
        }

        public Optional<Throwable> cause() {
            return Optional.ofNullable(error);
        }
    }

    /** {@code cellflow.ebpf.enabled=false}. */
    record FeatureDisabled() implements EbpfFailure {
        public String code() {
            return "feature_disabled";
        }

        public String describe() {
            return "FeatureDisabled: the eBPF backend is disabled (cellflow.ebpf.enabled=false)";
        }

        public Optional<Throwable> cause() {
            return Optional.empty();
        }
    }

    /** The BPF object file does not exist (or cannot be parsed). */
    record ObjectMissing(String path, BpfException error) implements EbpfFailure {
        public String code() {
            return "object_missing";
        }

        public String describe() {
            return "ObjectMissing{path=" + path + "}: " + error.getMessage();
        }

        public Optional<Throwable> cause() {
            return Optional.of(error);
        }
    }

    /** setns into (or back out of) the cell's namespace failed. */
    record Setns(String netns, BpfException error) implements EbpfFailure {
        public String code() {
            return "setns";
        }

        public String describe() {
            return "Setns{netns=" + netns + "}: " + error.getMessage();
        }

        public Optional<Throwable> cause() {
            return Optional.of(error);
        }
    }

    /** The kernel refused the programs; {@code verifierLog} is the tail of the verifier's log. */
    record LoadFailed(String verifierLog, BpfException error) implements EbpfFailure {
        public String code() {
            return "load_failed";
        }

        public String describe() {
            return "LoadFailed: " + error.getMessage() + (verifierLog.isEmpty() ? "" : "; verifier: " + verifierLog);
        }

        public Optional<Throwable> cause() {
            return Optional.of(error);
        }
    }

    /** Attaching to the interface's hooks failed. */
    record AttachFailed(String interfaceName, BpfException error) implements EbpfFailure {
        public String code() {
            return "attach_failed";
        }

        public String describe() {
            return "AttachFailed{interface=" + interfaceName + "}: " + error.getMessage();
        }

        public Optional<Throwable> cause() {
            return Optional.of(error);
        }
    }

    /** The ring buffer could not be mapped or polled. */
    record RingBufferOpenFailed(BpfException error) implements EbpfFailure {
        public String code() {
            return "ring_buffer_open_failed";
        }

        public String describe() {
            return "RingBufferOpenFailed: " + error.getMessage();
        }

        public Optional<Throwable> cause() {
            return Optional.of(error);
        }
    }

    /** The cell's policy could not be written into the program's maps. */
    record PolicyWriteFailed(BpfException error) implements EbpfFailure {
        public String code() {
            return "policy_write_failed";
        }

        public String describe() {
            return "PolicyWriteFailed: " + error.getMessage();
        }

        public Optional<Throwable> cause() {
            return Optional.of(error);
        }
    }

    /** The errno behind the failure, when the kernel gave one. */
    default Optional<Errno> errno() {
        return cause().filter(BpfException.class::isInstance).map(BpfException.class::cast)
                .flatMap(BpfException::errno);
    }
}
