package io.cellflow.bpf;

import io.cellflow.flow.FlowAbi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The BPF object the Maven build compiled into the jar. libbpf opens objects by path, so it is copied once to a
 * private temporary directory (named so libbpf calls the object "cellflow") and removed at exit.
 */
public final class BundledObject {
    private static Path extracted;

    private BundledObject() {}

    /** @return the extracted object's path; {@link BpfException.Stage#OBJECT_MISSING} if the jar lacks it */
    public static synchronized Path path() throws BpfException {
        if (extracted != null && Files.isRegularFile(extracted)) {
            return extracted;
        }
        try (InputStream in = BundledObject.class.getClassLoader().getResourceAsStream(FlowAbi.BUNDLED_OBJECT)) {
            if (in == null) {
                throw new BpfException(BpfException.Stage.OBJECT_MISSING, null, "class-path resource "
                        + FlowAbi.BUNDLED_OBJECT + " (was the build run without clang? see bpf/build.sh)");
            }
            Path dir = Files.createTempDirectory("cellflow-bpf");
            Path obj = dir.resolve("cellflow.bpf.o");
            Files.copy(in, obj, StandardCopyOption.REPLACE_EXISTING);
            obj.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            extracted = obj;
            return obj;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled BPF object", e);
        }
    }
}
