package io.cellflow.bpf;

import io.cellflow.flow.FlowAbi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The BPF object the Maven build compiled into the jar, read once from the class path. libbpf opens it from memory
 * ({@link BpfObject#openBundled}), so it never touches the file system.
 */
public final class BundledObject {
    public static final String NAME = "cellflow.bpf.o";

    private static byte[] elf;

    private BundledObject() {}

    /** @return the object's bytes (do not modify); {@link BpfException.Stage#OBJECT_MISSING} if the jar lacks it */
    static synchronized byte[] bytes() throws BpfException {
        if (elf != null) {
            return elf;
        }
        try (InputStream in = BundledObject.class.getClassLoader().getResourceAsStream(FlowAbi.BUNDLED_OBJECT)) {
            if (in == null) {
                throw new BpfException(BpfException.Stage.OBJECT_MISSING, null, "class-path resource "
                        + FlowAbi.BUNDLED_OBJECT + " (was the build run without clang? see bpf/build.sh)");
            }
            elf = in.readAllBytes();
            return elf;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled BPF object", e);
        }
    }
}
