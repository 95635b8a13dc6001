package io.cellflow.bpf;

import com.kenai.jffi.MemoryIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.lang.ref.Reference;
import jnr.ffi.Pointer;
import jnr.ffi.byref.NativeLongByReference;

/**
 * One opened (and later loaded) libbpf {@code struct bpf_object}: its programs and maps live as long as this
 * object. Not thread-safe; owned by one monitor. {@link #close()} frees programs, maps and their fds, and is
 * idempotent.
 */
public final class BpfObject implements AutoCloseable {
    /** Per program; libbpf truncates a longer log, and we only report its tail anyway. */
    private static final int VERIFIER_LOG_BYTES = 64 * 1024;

    /** The name libbpf gives an object opened from a file named cellflow.bpf.o; map names derive from it. */
    private static final String OBJECT_NAME = "cellflow";

    private final Native nat;
    private final String source;
    /**
     * open_mem: the ELF image (malloc'd, 0 when opened from a file). libbpf may read it until the load; freed right
     * after, not when the GC finds it: 120 KiB per monitor otherwise.
     */
    private long image;
    private Pointer obj;
    /** after {@link #load}: our fds by program/map name, and the maps' sizes; null before */
    private Map<String, Integer> kept;
    private Map<String, Integer> keptMaxEntries;

    private BpfObject(Native nat, String source, long image, Pointer obj) {
        this.nat = nat;
        this.source = source;
        this.image = image;
        this.obj = obj;
    }

    /** Opens (parses) the object file; nothing reaches the kernel yet. */
    public static BpfObject open(Native nat, Path path) throws BpfException {
        if (!Files.isRegularFile(path)) {
            throw new BpfException(BpfException.Stage.OBJECT_MISSING, Errno.of(2), "BPF object " + path,
                    path.toString());
        }
        Pointer obj = nat.libbpf().bpf_object__open_file(path.toString(), null);
        if (obj == null) {
            throw new BpfException(BpfException.Stage.OPEN, Errno.of(nat.errno()), "libbpf cannot open " + path,
                    path.toString());
        }
        return new BpfObject(nat, path.toString(), 0, obj);
    }

    /**
     * Opens the object the build bundled into the jar, from memory: no file to extract, so nothing is left
     * behind in a temporary directory when the service is killed.
     */
    public static BpfObject openBundled(Native nat) throws BpfException {
        byte[] elf = BundledObject.bytes();
        MemoryIO io = MemoryIO.getInstance();
        long image = io.allocateMemory(elf.length, false);
        io.putByteArray(image, elf, 0, elf.length);
        Pointer name = nat.allocate(OBJECT_NAME.length() + 1);
        name.putString(0, OBJECT_NAME, OBJECT_NAME.length() + 1, java.nio.charset.StandardCharsets.US_ASCII);
        // struct bpf_object_open_opts { size_t sz; const char *object_name; ... }: libbpf reads only sz bytes
        int word = nat.runtime().addressSize();
        Pointer opts = nat.allocate(2 * word);
        opts.putAddress(0, 2L * word);
        opts.putPointer(word, name);
        Pointer obj = nat.libbpf().bpf_object__open_mem(nat.wrap(image, elf.length), elf.length, opts);
        // name is reachable only through an address in opts' memory, and both are freed by a cleaner once
        // unreachable: without the fence a collection during the call let libbpf read freed memory (a SIGSEGV in
        // bpf_object__open_mem, seen on the preload thread during 1,000 back-to-back starts)
        Reference.reachabilityFence(name);
        Reference.reachabilityFence(opts);
        if (obj == null) {
            int errno = nat.errno();
            io.freeMemory(image);
            throw new BpfException(BpfException.Stage.OPEN, Errno.of(errno),
                    "libbpf cannot open the bundled " + BundledObject.NAME, BundledObject.NAME);
        }
        return new BpfObject(nat, "bundled " + BundledObject.NAME, image, obj);
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
                    "variable " + variable + " not found in .rodata of " + source);
        }
        data.putInt(offset, value);
    }

    /**
     * Leaves these programs out of {@link #load}: a cell attaches either the tc or the cgroup pair. An object
     * without them (an operator's build that only has the tc pair) is fine.
     */
    public void skipPrograms(String... programs) {
        for (String name : programs) {
            Pointer prog = nat.libbpf().bpf_object__find_program_by_name(obj, name);
            if (prog != null) {
                nat.libbpf().bpf_program__set_autoload(prog, false);
            }
        }
    }

    /**
     * Creates the maps and loads the programs into the kernel, then keeps our own fds of these programs and of the
     * named maps the object has, and frees libbpf's object (BTF, instructions, relocation state: ~75 KB of native
     * heap per monitor otherwise). The kernel objects live on through the kept fds: {@link #programFd},
     * {@link #mapFd} and {@link #maxEntries} answer from them, {@link #close} closes them. On failure the exception
     * carries the tail of the verifier's log: libbpf retries a failed load with logging on into the buffers given
     * here.
     */
    public void load(List<String> programs, List<String> maps) throws BpfException {
        loadPrograms(programs.toArray(String[]::new));
        keepFdsAndFreeLibbpfObject(programs, maps);
    }

    private void loadPrograms(String... programs) throws BpfException {
        // the logs are freed right after the load, not when the GC finds their Pointers: 128 KiB per monitor start
        // otherwise stay resident until then (~100 MB after 1000 starts on an idle heap)
        MemoryIO io = MemoryIO.getInstance();
        Pointer[] progs = new Pointer[programs.length];
        long[] logs = new long[programs.length];
        try {
            for (int i = 0; i < programs.length; i++) {
                progs[i] = nat.libbpf().bpf_object__find_program_by_name(obj, programs[i]);
                if (progs[i] == null) {
                    throw new BpfException(BpfException.Stage.OPEN, null,
                            "program " + programs[i] + " missing from " + source, source);
                }
                logs[i] = io.allocateMemory(VERIFIER_LOG_BYTES, false);
                io.putByte(logs[i], (byte) 0); // libbpf writes it only when a load fails
                nat.libbpf().bpf_program__set_log_buf(progs[i], nat.wrap(logs[i], VERIFIER_LOG_BYTES),
                        VERIFIER_LOG_BYTES);
            }
            int rc = nat.libbpf().bpf_object__load(obj);
            if (rc != 0) {
                StringBuilder log = new StringBuilder();
                for (long p : logs) {
                    log.append(new String(io.getZeroTerminatedByteArray(p, VERIFIER_LOG_BYTES),
                            java.nio.charset.StandardCharsets.UTF_8));
                }
                throw new BpfException(BpfException.Stage.LOAD, Errno.of(rc), "kernel refused to load " + source,
                        VerifierLog.excerpt(log.toString()));
            }
        } finally {
            for (int i = 0; i < logs.length; i++) {
                if (logs[i] != 0) {
                    nat.libbpf().bpf_program__set_log_buf(progs[i], null, 0);
                    io.freeMemory(logs[i]);
                }
            }
            freeImage();
        }
    }

    private void freeImage() {
        if (image != 0) {
            MemoryIO.getInstance().freeMemory(image);
            image = 0;
        }
    }

    public int programFd(String name) throws BpfException {
        return kept(name, "program");
    }

    public int mapFd(String name) throws BpfException {
        return kept(name, "map");
    }

    public int maxEntries(String name) throws BpfException {
        requireLoaded();
        Integer n = keptMaxEntries.get(name);
        if (n == null) {
            throw new BpfException(BpfException.Stage.OPEN, null, "map " + name + " missing from " + source);
        }
        return n;
    }

    private void keepFdsAndFreeLibbpfObject(List<String> programs, List<String> maps) throws BpfException {
        Map<String, Integer> fds = new HashMap<>();
        Map<String, Integer> sizes = new HashMap<>();
        try {
            for (String p : programs) {
                Pointer prog = nat.libbpf().bpf_object__find_program_by_name(obj, p);
                fds.put(p, dup(prog == null ? -1 : nat.libbpf().bpf_program__fd(prog), p));
            }
            for (String m : maps) {
                Pointer map = nat.libbpf().bpf_object__find_map_by_name(obj, m);
                if (map != null) {
                    fds.put(m, dup(nat.libbpf().bpf_map__fd(map), m));
                    sizes.put(m, nat.libbpf().bpf_map__max_entries(map));
                }
            }
        } catch (BpfException | RuntimeException e) {
            fds.values().forEach(fd -> nat.libc().close(fd));
            throw e;
        }
        Pointer o = obj;
        obj = null;
        nat.libbpf().bpf_object__close(o);
        kept = fds;
        keptMaxEntries = sizes;
    }

    private int dup(int fd, String name) throws BpfException {
        int copy = fd < 0 ? -1 : nat.libc().fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3);
        if (copy < 0) {
            throw new BpfException(BpfException.Stage.LOAD, Errno.of(nat.errno()), "cannot keep an fd of " + name);
        }
        return copy;
    }

    private int kept(String name, String what) throws BpfException {
        requireLoaded();
        Integer fd = kept.get(name);
        if (fd == null) {
            throw new BpfException(BpfException.Stage.OPEN, null, what + " " + name + " missing from " + source);
        }
        return fd;
    }

    /** The file it was opened from, or "bundled cellflow.bpf.o". */
    public String source() {
        return source;
    }

    private Pointer map(String name) throws BpfException {
        if (obj == null) {
            throw new IllegalStateException("BPF object " + source + " is closed");
        }
        Pointer map = nat.libbpf().bpf_object__find_map_by_name(obj, name);
        if (map == null) {
            throw new BpfException(BpfException.Stage.OPEN, null, "map " + name + " missing from " + source);
        }
        return map;
    }

    private void requireLoaded() {
        if (kept == null) {
            throw new IllegalStateException("BPF object " + source + " is not loaded");
        }
    }

    @Override
    public void close() {
        Pointer o = obj;
        obj = null;
        if (o != null) {
            nat.libbpf().bpf_object__close(o);
        }
        Map<String, Integer> fds = kept;
        kept = null;
        if (fds != null) {
            fds.values().forEach(fd -> nat.libc().close(fd));
        }
        freeImage();
    }

    /** Names libbpf gives internal maps. */
    private static final class FlowAbiNames {
        static final String RODATA = ".rodata";
    }
}
