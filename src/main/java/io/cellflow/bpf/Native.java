package io.cellflow.bpf;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Process-wide bindings to libc and libbpf, loaded on first use. Without libc nothing works ({@link #get()} throws
 * {@link NativeUnavailable}); without libbpf only the eBPF backend is unavailable ({@link #libbpf()} throws, saying
 * to install libbpf1). Never exits the process.
 */
public final class Native {
    private static volatile Native instance;

    private final LibC libc;
    private final LibBpf libbpf;
    private final String libbpfMissing;
    private final Runtime runtime;

    private Native(LibC libc, LibBpf libbpf, String libbpfMissing) {
        this.libc = libc;
        this.libbpf = libbpf;
        this.libbpfMissing = libbpfMissing;
        this.runtime = Runtime.getRuntime(libc);
    }

    public static Native get() {
        Native n = instance;
        if (n == null) {
            synchronized (Native.class) {
                n = instance;
                if (n == null) {
                    instance = n = load();
                }
            }
        }
        return n;
    }

    private static Native load() {
        LibC libc;
        try {
            libc = LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, true).load("c");
        } catch (LinkageError | RuntimeException e) {
            throw new NativeUnavailable("libc could not be bound: " + e.getMessage(), e);
        }
        LibBpf libbpf = null;
        String missing = null;
        try {
            // "bpf.so.1" first: Debian's runtime package (libbpf1) ships no unversioned libbpf.so
            libbpf = LibraryLoader.create(LibBpf.class)
                    .option(LibraryOption.SaveError, true)
                    .search("/usr/lib/x86_64-linux-gnu")
                    .search("/usr/lib/aarch64-linux-gnu")
                    .search("/usr/lib64")
                    .failImmediately()
                    .load("libbpf.so.1");
        } catch (LinkageError | RuntimeException e) {
            // the nflog backend needs only libc: keep going, and let eBPF fail with this reason
            missing = "libbpf.so.1 is not installed (Debian/Ubuntu: apt-get install libbpf1): " + e.getMessage();
        }
        return new Native(libc, libbpf, missing);
    }

    public LibC libc() {
        return libc;
    }

    /** @throws NativeUnavailable when libbpf could not be loaded; {@link #libbpfMissing()} says why */
    public LibBpf libbpf() {
        if (libbpf == null) {
            throw new NativeUnavailable(libbpfMissing, null);
        }
        return libbpf;
    }

    /** Why libbpf is not available, or {@code null} when it is. */
    public String libbpfMissing() {
        return libbpfMissing;
    }

    public Runtime runtime() {
        return runtime;
    }

    /** errno of this thread's last bound call. */
    public int errno() {
        return runtime.getLastError();
    }

    public Pointer allocate(int size) {
        return Memory.allocateDirect(runtime, size, true);
    }

    /** A pointer to {@code size} bytes at a native address we own (an mmap). */
    public Pointer wrap(long address, long size) {
        return runtime.getMemoryManager().newPointer(address, size);
    }

    /** Thrown when libc or libbpf cannot be bound at all. */
    public static final class NativeUnavailable extends RuntimeException {
        NativeUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
