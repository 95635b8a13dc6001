package io.cellflow.bpf;

import io.cellflow.flow.FlowAbi;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a cell's BPF object is loaded with: two loads of equal specs give interchangeable objects (same programs,
 * same map sizes, same read-only globals, every map empty), which is what lets {@link PreloadedObjects} load one
 * ahead of the monitor that will use it.
 *
 * @param objectFile the object file; empty: the one bundled in the jar
 * @param cgroup the cgroup_skb pair instead of the tc pair
 */
public record BpfObjectSpec(Optional<Path> objectFile, boolean cgroup, int ringBufferBytes, int flowTableEntries,
        int wakeupBytes) {

    /** The spec a monitor with {@code settings} attaching to {@code target} needs. */
    public static BpfObjectSpec of(EbpfSettings settings, AttachTarget target) {
        return of(settings, target instanceof AttachTarget.Cgroup);
    }

    /** The spec of a monitor with {@code settings} on an interface's tc hooks (or a cgroup's). */
    public static BpfObjectSpec of(EbpfSettings settings, boolean cgroup) {
        return new BpfObjectSpec(settings.objectFile(), cgroup, settings.ringBufferBytes(),
                settings.flowTableEntries(), settings.wakeupBytes());
    }

    public String ingressProgram() {
        return cgroup ? FlowAbi.PROG_CG_INGRESS : FlowAbi.PROG_TC_INGRESS;
    }

    public String egressProgram() {
        return cgroup ? FlowAbi.PROG_CG_EGRESS : FlowAbi.PROG_TC_EGRESS;
    }

    /**
     * Opens, sizes and loads the object (only the program pair this spec attaches; the verifier runs here, on the
     * calling thread). The result is loaded and attached nowhere; on failure nothing is left behind.
     */
    public BpfObject load(Native nat) throws BpfException {
        BpfObject object = objectFile.isPresent() ? BpfObject.open(nat, objectFile.get()) : BpfObject.openBundled(nat);
        try {
            object.setMaxEntries(FlowAbi.MAP_EVENTS, ringBufferBytes);
            object.setMaxEntries(FlowAbi.MAP_FLOWS, flowTableEntries);
            object.setRodataU32(FlowAbi.VAR_WAKEUP_BYTES, wakeupBytes);
            object.skipPrograms(cgroup ? FlowAbi.PROG_TC_INGRESS : FlowAbi.PROG_CG_INGRESS,
                    cgroup ? FlowAbi.PROG_TC_EGRESS : FlowAbi.PROG_CG_EGRESS);
            object.load(List.of(ingressProgram(), egressProgram()), FlowAbi.MAPS);
            return object;
        } catch (BpfException | RuntimeException e) {
            object.close();
            throw e;
        }
    }
}
