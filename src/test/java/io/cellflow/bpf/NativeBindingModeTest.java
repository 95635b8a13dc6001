package io.cellflow.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Native-image readiness of the JNR bindings: no callback type anywhere (callbacks always generate bytecode at
 * run time), and with {@code -Djnr.ffi.asm.enabled=false} the bindings really are JDK proxies (no generated
 * classes), which scripts/test.sh's second pass exercises for the whole suite.
 */
class NativeBindingModeTest {

    @Test
    void noJnrCallbackTypeInTheCode() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            List<String> offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    String s = Files.readString(p);
                    return s.contains("jnr.ffi.annotations.Delegate") || s.contains("@Delegate")
                            || s.contains("jnr.ffi.provider.ClosureManager") || s.contains("jffi.Closure");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).map(Path::toString).collect(Collectors.toList());
            assertEquals(List.of(), offenders, "JNR callbacks cannot work in a native image");
        }
    }

    @Test
    void bindingsFollowTheAsmSwitch() {
        Native nat;
        try {
            nat = Native.get();
        } catch (Native.NativeUnavailable e) {
            Assumptions.abort("libbpf not installed: " + e.getMessage());
            return;
        }
        boolean asm = !"false".equals(System.getProperty("jnr.ffi.asm.enabled"));
        assertEquals(!asm, Proxy.isProxyClass(nat.libc().getClass()), "libc binding class "
                + nat.libc().getClass() + " with jnr.ffi.asm.enabled=" + asm);
        assertEquals(!asm, Proxy.isProxyClass(nat.libbpf().getClass()));
        assertTrue(nat.libc().getpagesize() >= 4096, "a downcall works in this mode");
    }
}
