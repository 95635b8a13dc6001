package io.cellflow.bpf;

import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.Pointer;
import jnr.ffi.byref.NativeLongByReference;

/**
 * One opened (and later loaded) libbpf {@code struct bpf_object}: its programs and maps live as long as this
 * object. Not thread-safe; owned by one monitor. {@link #close()} frees programs, maps and their fds, and is
 * idempotent.
 */
public final class BpfObject implements AutoCloseable {
    private final Native nat;
    private final Path path;
    private Pointer obj;
    private boolean loaded;

    private BpfObject(Native nat, Path path, Pointer obj) {
        this.nat = nat;
        this.path = path;
        this.obj = obj;
    }

    /** Opens (parses) the object file; nothing reaches the kernel yet. */
    public static BpfObject open(Native nat, Path path) throws BpfException {
        if (!Files.isRegularFile(path)) {
            throw new BpfException(BpfException.Stage.OBJECT_MISSING, Errno.of(2), "BPF object " + path);
        }
        Pointer obj = nat.libbpf().bpf_object__open_file(path.toString(), null);
        if (obj == null) {
            throw new BpfException(BpfException.Stage.OPEN, Errno.of(nat.errno()), "libbpf cannot open " + path);
        }
        return new BpfObject(nat, path, obj);
    }

    /** Resizes a map before {@link #load()} (ring-buffer bytes, flow-table entries). */
    public void setMaxEntries(String map, int maxEntries) throws BpfException {
        int rc = nat.libbpf().bpf_map__set_max_entries(map(map), maxEntries);
        if (rc != 0) {
            throw new BpfException(BpfException.Stage.OPEN, Errno.of(rc), "cannot size map " + map + " to " + maxEntries);
        }
    }

    /**
     * Sets a {@code const volatile __u32} global before {@link #load()}; its offset comes from the object's BTF,
     * as a skeleton would have it.
     */
    public void setRodataU32(String variable, int value) throws BpfException {
        Pointer rodata = map(FlowAbiNames.RODATA);
        NativeLongByReference size = new NativeLongByReference();
        Pointer data = nat.libbpf().bpf_map__initial_value(rodata, size);
        if (data == null) {
            throw new BpfException(BpfException.Stage.OPEN, Errno.of(nat.errno()), "no initial value for .rodata");
        }
        int offset = BtfDatasec.offsetOf(nat, nat.libbpf().bpf_object__btf(obj), FlowAbiNames.RODATA, variable);
        if (offset < 0 || offset + 4 > size.longValue()) {
            throw new BpfException(BpfException.Stage.OPEN, null,
                    "variable " + variable + " not found in .rodata of " + path);
        }
        data.putInt(offset, value);
    }

    /** Creates the maps and loads the programs into the kernel. */
    public void load() throws BpfException {
        int rc = nat.libbpf().bpf_object__load(obj);
        if (rc != 0) {
            throw new BpfException(BpfException.Stage.LOAD, Errno.of(rc), "kernel refused to load " + path
                    + " (the verifier log is on the service's stderr)");
        }
        loaded = true;
    }

    public int programFd(String name) throws BpfException {
        requireLoaded();
        Pointer prog = nat.libbpf().bpf_object__find_program_by_name(obj, name);
        if (prog == null) {
            throw new BpfException(BpfException.Stage.OPEN, null, "program " + name + " missing from " + path);
        }
        return nat.libbpf().bpf_program__fd(prog);
    }

    public int mapFd(String name) throws BpfException {
        requireLoaded();
        return nat.libbpf().bpf_map__fd(map(name));
    }

    public int maxEntries(String name) throws BpfException {
        return nat.libbpf().bpf_map__max_entries(map(name));
    }

    public Path path() {
        return path;
    }

    private Pointer map(String name) throws BpfException {
        if (obj == null) {
            throw new IllegalStateException("BPF object " + path + " is closed");
        }
        Pointer map = nat.libbpf().bpf_object__find_map_by_name(obj, name);
        if (map == null) {
            throw new BpfException(BpfException.Stage.OPEN, null, "map " + name + " missing from " + path);
        }
        return map;
    }

    private void requireLoaded() {
        if (!loaded || obj == null) {
            throw new IllegalStateException("BPF object " + path + " is not loaded");
        }
    }

    @Override
    public void close() {
        Pointer o = obj;
        obj = null;
        if (o != null) {
            nat.libbpf().bpf_object__close(o);
        }
    }

    /** Names libbpf gives internal maps. */
    private static final class FlowAbiNames {
        static final String RODATA = ".rodata";
    }
}
