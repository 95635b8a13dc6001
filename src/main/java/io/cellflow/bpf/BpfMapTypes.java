package io.cellflow.bpf;

/** Names of {@code enum bpf_map_type}, and which types {@link BpfMapInspector} can list. */
final class BpfMapTypes {
    private static final String[] NAMES = {
        "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array", "stack_trace",
        "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps", "hash_of_maps", "devmap",
        "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage",
        "queue", "stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage", "task_storage",
        "bloom_filter", "user_ringbuf", "cgrp_storage", "arena"
    };

    private BpfMapTypes() {}

    static String name(int type) {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "type_" + type;
    }

    static boolean listable(int type) {
        return switch (type) {
            case 1, 2, 5, 6, 9, 10 -> true; // hash, array, percpu_hash, percpu_array, lru_hash, lru_percpu_hash
            default -> false;
        };
    }

    static boolean perCpu(int type) {
        return type == 5 || type == 6 || type == 10;
    }
}
