package io.cellflow.bpf;

import jnr.ffi.Pointer;

/**
 * Finds a global variable's offset inside a data section (.rodata, .data, .bss) from the object's BTF, the way a
 * libbpf skeleton lays out its structs. Reads {@code struct btf_type} (12 bytes) followed by {@code vlen}
 * {@code struct btf_var_secinfo} entries (type, offset, size; 4 bytes each).
 */
final class BtfDatasec {
    private static final int BTF_TYPE_SIZE = 12;
    private static final int SECINFO_SIZE = 12;

    private BtfDatasec() {}

    /** @return the byte offset, or -1 if the section or the variable is not there */
    static int offsetOf(Native nat, Pointer btf, String section, String variable) {
        if (btf == null) {
            return -1;
        }
        LibBpf bpf = nat.libbpf();
        int id = bpf.btf__find_by_name_kind(btf, section, LibBpf.BTF_KIND_DATASEC);
        if (id <= 0) {
            return -1;
        }
        Pointer sec = bpf.btf__type_by_id(btf, id);
        int vlen = sec.getInt(4) & 0xffff;
        for (int i = 0; i < vlen; i++) {
            int at = BTF_TYPE_SIZE + i * SECINFO_SIZE;
            Pointer var = bpf.btf__type_by_id(btf, sec.getInt(at));
            if (var != null && variable.equals(bpf.btf__name_by_offset(btf, var.getInt(0)))) {
                return sec.getInt(at + 4);
            }
        }
        return -1;
    }
}
