package io.cellflow.it;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The eBPF backend pointed at src/test/bpf/reject.bpf.c, compiled here: it opens fine and fails verification. */
public class RejectedObjectProfile implements QuarkusTestProfile {
    static final Path OBJECT = Path.of("target", "test-bpf", "reject.bpf.o").toAbsolutePath();

    @Override
    public Map<String, String> getConfigOverrides() {
        compile();
        return Map.of("cellflow.bpf.object-path", OBJECT.toString());
    }

    private static synchronized void compile() {
        try {
            Files.createDirectories(OBJECT.getParent());
            String multiarch = new String(new ProcessBuilder("gcc", "-print-multiarch").start().getInputStream()
                    .readAllBytes()).trim();
            Process p = new ProcessBuilder("clang", "-O2", "-g", "-target", "bpf", "-Ibpf",
                    "-I/usr/include/" + multiarch, "-c", "src/test/bpf/reject.bpf.c", "-o", OBJECT.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("clang could not build the test object:\n" + out);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot build " + OBJECT, e);
        }
    }
}
