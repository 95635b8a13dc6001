package io.cellflow.bpf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * Read-only access to every BPF map the kernel has, as a live-host map accessor does: enumerate by id, describe
 * ({@code bpf_map_info}), and page through the entries of hash and array maps. Each call opens the fds it needs
 * and closes them before returning. A map that disappears between enumeration and open is skipped. Thread-safe.
 */
public final class BpfMapInspector {
    private static final int ENOENT = 2;
    // struct bpf_map_info (uapi): type, id, key_size, value_size, max_entries, map_flags, name[16], ...
    private static final int INFO_SIZE = 88;
    private static final int NAME_OFFSET = 24;
    private static final int NAME_LEN = 16;
    /** Values larger than this (per CPU) are not dumped: the reader asked for a listing, not a memory dump. */
    private static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final HexFormat HEX = HexFormat.of();

    /** One map as {@code bpf_map_info} describes it. */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record MapInfo(int id, String name, int type, String typeName, int keySize, int valueSize,
            int maxEntries, int flags) {
        /** Whether {@link #entries} can list this map: hash and array types, plain, per-CPU and LRU. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean listable() {
            return BpfMapTypes.listable(type);
        }

        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean perCpu() {
            return BpfMapTypes.perCpu(type);
        }
    }

    /** One entry; {@code values} has one element, or one per possible CPU for per-CPU maps. */
    public record Entry(String key, List<String> values) {}

    /** A page of entries and the cursor (hex key) to pass for the next page, or {@code null} at the end. */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Page(MapInfo map, List<Entry> entries, String nextCursor) {}

    private final Native nat;

    public BpfMapInspector(Native nat) {
        this.nat = nat;
    }

    /** Every map visible now, by id; {@code nameSuffix} filters when not null. */
    public List<MapInfo> list(String nameSuffix) {
        LibBpf bpf = nat.libbpf();
        List<MapInfo> out = new ArrayList<>();
        Pointer next = nat.allocate(4);
        int id = 0;
        while (bpf.bpf_map_get_next_id(id, next) == 0) {
            id = next.getInt(0);
            describe(id).filter(m -> nameSuffix == null || m.name().endsWith(nameSuffix)).ifPresent(out::add);
        }
        return out;
    }

    /** The map with this id, if it (still) exists. */
    public Optional<MapInfo> describe(int id) {
        int fd = nat.libbpf().bpf_map_get_fd_by_id(id);
        if (fd < 0) {
            return Optional.empty(); // gone since it was enumerated
        }
        try {
            return Optional.of(info(fd));
        } finally {
            nat.libc().close(fd);
        }
    }

    private MapInfo info(int fd) {
        Pointer info = nat.allocate(INFO_SIZE);
        Pointer len = nat.allocate(4);
        len.putInt(0, INFO_SIZE);
        int rc = nat.libbpf().bpf_obj_get_info_by_fd(fd, info, len);
        if (rc != 0) {
            throw new IllegalStateException("bpf_obj_get_info_by_fd: " + Errno.of(rc));
        }
        byte[] raw = new byte[NAME_LEN];
        info.get(NAME_OFFSET, raw, 0, NAME_LEN);
        int end = 0;
        while (end < NAME_LEN && raw[end] != 0) {
            end++;
        }
        int type = info.getInt(0);
        return new MapInfo(info.getInt(4), new String(raw, 0, end, StandardCharsets.US_ASCII), type,
                BpfMapTypes.name(type), info.getInt(8), info.getInt(12), info.getInt(16), info.getInt(20));
    }

    /**
     * Up to {@code limit} entries after the key {@code cursor} (hex; {@code null} for the start). Keys deleted
     * while we page are skipped; a hash map whose cursor key was deleted restarts from its first key, as the
     * kernel's get_next_key does.
     *
     * @return empty if the map does not exist
     * @throws IllegalArgumentException if the map type cannot be listed or the cursor is not a key of its size
     */
    public Optional<Page> entries(int id, String cursor, int limit) {
        int fd = nat.libbpf().bpf_map_get_fd_by_id(id);
        if (fd < 0) {
            return Optional.empty();
        }
        try {
            MapInfo map = info(fd);
            if (!map.listable()) {
                throw new IllegalArgumentException("entries of " + map.typeName() + " maps cannot be listed");
            }
            int cpus = map.perCpu() ? Math.max(1, nat.libbpf().libbpf_num_possible_cpus()) : 1;
            int slot = map.perCpu() ? (map.valueSize() + 7) & ~7 : map.valueSize();
            boolean dumpValues = slot <= MAX_VALUE_BYTES;
            Pointer key = nat.allocate(Math.max(1, map.keySize()));
            Pointer next = nat.allocate(Math.max(1, map.keySize()));
            Pointer value = nat.allocate(Math.max(1, slot * cpus));
            Pointer from = null;
            if (cursor != null) {
                byte[] k = parseKey(cursor, map.keySize());
                key.put(0, k, 0, k.length);
                from = key;
            }
            List<Entry> out = new ArrayList<>();
            String last = null;
            while (out.size() < limit) {
                if (nat.libbpf().bpf_map_get_next_key(fd, from, next) != 0) {
                    return Optional.of(new Page(map, out, null));
                }
                byte[] k = new byte[map.keySize()];
                next.get(0, k, 0, k.length);
                key.put(0, k, 0, k.length);
                from = key;
                last = HEX.formatHex(k);
                if (nat.libbpf().bpf_map_lookup_elem(fd, key, value) != 0) {
                    continue; // deleted between get_next_key and lookup
                }
                List<String> values = new ArrayList<>(cpus);
                for (int c = 0; c < cpus && dumpValues; c++) {
                    byte[] v = new byte[map.valueSize()];
                    value.get((long) c * slot, v, 0, v.length);
                    values.add(HEX.formatHex(v));
                }
                out.add(new Entry(last, values));
            }
            return Optional.of(new Page(map, out, last));
        } finally {
            nat.libc().close(fd);
        }
    }

    private static byte[] parseKey(String hex, int size) {
        try {
            byte[] k = HEX.parseHex(hex);
            if (k.length == size) {
                return k;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IllegalArgumentException("cursor must be " + size + " bytes of hex (the last key of a page)");
    }
}
