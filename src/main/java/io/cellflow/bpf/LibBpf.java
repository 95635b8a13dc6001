package io.cellflow.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.NativeLongByReference;

/**
 * The libbpf 1.x API cellflow uses (Debian's libbpf1 at run time), bound by JNR-FFI. libbpf 1.0+ reports errors
 * as a negative errno from int functions and as {@code NULL} plus {@code errno} from pointer functions.
 * Downcalls only; nothing here takes a callback.
 */
public interface LibBpf {
    /** enum bpf_attach_type: TCX hooks, kernel 6.6+ */
    int BPF_TCX_INGRESS = 46;
    int BPF_TCX_EGRESS = 47;
    /** enum bpf_attach_type: cgroup_skb hooks */
    int BPF_CGROUP_INET_INGRESS = 0;
    int BPF_CGROUP_INET_EGRESS = 1;
    /** enum bpf_tc_attach_point */
    int BPF_TC_INGRESS = 1;
    int BPF_TC_EGRESS = 2;
    /** enum btf kind */
    int BTF_KIND_DATASEC = 15;

    Pointer bpf_object__open_file(String path, Pointer opts);

    /** opts: {@code struct bpf_object_open_opts}, of which we set {@code sz} and {@code object_name} */
    Pointer bpf_object__open_mem(Pointer buf, long size, Pointer opts);

    int bpf_object__load(Pointer obj);

    void bpf_object__close(Pointer obj);

    Pointer bpf_object__find_program_by_name(Pointer obj, String name);

    Pointer bpf_object__find_map_by_name(Pointer obj, String name);

    Pointer bpf_object__btf(Pointer obj);

    int bpf_program__fd(Pointer prog);

    int bpf_program__set_autoload(Pointer prog, boolean autoload);

    int bpf_program__set_log_buf(Pointer prog, Pointer logBuf, long logSize);

    int bpf_map__fd(Pointer map);

    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    int bpf_map__max_entries(Pointer map);

    Pointer bpf_map__initial_value(Pointer map, @Out NativeLongByReference size);

    int bpf_link_create(int progFd, int targetFd, int attachType, Pointer opts);

    int bpf_map_lookup_elem(int fd, @In Pointer key, @Out Pointer value);

    /** {@code BPF_ANY}: create or replace. */
    long BPF_ANY = 0;

    int bpf_map_update_elem(int fd, @In Pointer key, @In Pointer value, long flags);

    int bpf_map_delete_elem(int fd, @In Pointer key);

    int libbpf_num_possible_cpus();

    /** enum bpf_prog_type */
    int BPF_PROG_TYPE_SCHED_CLS = 3;

    int bpf_prog_load(int progType, String name, String license, @In Pointer insns, long insnCnt, Pointer opts);

    /**
     * BPF_PROG_TEST_RUN (tests): runs the program once per repeat on a copy of {@code data_in}, in the caller's
     * context. opts: {@code struct bpf_test_run_opts}, see {@code ProgTestRun} in the tests; libbpf reads and
     * writes only its first {@code sz} bytes.
     */
    int bpf_prog_test_run_opts(int progFd, Pointer opts);

    int bpf_map_get_next_id(int startId, @Out Pointer nextId);

    int bpf_map_get_fd_by_id(int id);

    int bpf_obj_get_info_by_fd(int fd, @Out Pointer info, @In @Out Pointer infoLen);

    int bpf_map_get_next_key(int fd, @In Pointer key, @Out Pointer nextKey);

    /** {@code in_batch}/{@code out_batch}: an opaque cursor (a bucket index for hash maps); NULL starts over. */
    int bpf_map_lookup_and_delete_batch(int fd, Pointer inBatch, Pointer outBatch, Pointer keys, Pointer values,
            Pointer count, Pointer opts);

    int btf__find_by_name_kind(Pointer btf, String name, int kind);

    Pointer btf__type_by_id(Pointer btf, int id);

    String btf__name_by_offset(Pointer btf, int offset);

    int bpf_tc_hook_create(Pointer hook);

    int bpf_tc_hook_destroy(Pointer hook);

    int bpf_tc_attach(Pointer hook, Pointer opts);

    int bpf_tc_detach(Pointer hook, Pointer opts);
}
