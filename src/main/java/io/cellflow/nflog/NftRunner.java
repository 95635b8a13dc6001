package io.cellflow.nflog;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code nsenter --net=PATH nft ARGS...} as a child process: no shell (arguments are never parsed), an
 * optional script on stdin, a bounded wait, stderr captured for the error.
 *
 * <p>nsenter enters the namespace in the child, so the JVM's own threads never change namespace. nft is passed by
 * absolute path because a service's PATH often lacks {@code /usr/sbin}, and nsenter would look it up there.
 */
final class NftRunner {
    /** nft answers in milliseconds; a hung nft must not hang a monitor start or stop. */
    static final long TIMEOUT_SECONDS = 10;

    private static final List<String> SBIN_DIRS = List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin",
            "/bin");

    private NftRunner() {}

    /** How nft ended; {@code stderr} is trimmed. */
    record Result(int exitCode, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * @param stdin the script for {@code nft -f -}, or {@code null} for none
     * @param what what we were doing, for the error message
     * @throws NflogException NFT_FAILED (without exit code) if nft cannot start or does not end within
     *     {@link #TIMEOUT_SECONDS}; a non-zero exit is returned, not thrown
     */
    static Result run(Path netnsPath, String stdin, String what, String... nftArgs) throws NflogException {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable("nsenter"));
        cmd.add("--net=" + netnsPath);
        cmd.add(executable("nft"));
        cmd.addAll(List.of(nftArgs));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                            : ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            throw NflogException.nftFailed(what + " (cannot start " + String.join(" ", cmd) + ")", "", e);
        }
        try {
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // nft quit before reading all of it: its exit code and stderr say why
                }
            }
            // stderr is read after the exit: nft's messages are far below the pipe's 64 KiB, so it cannot block
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw NflogException.nftFailed(what + ": nft did not finish within " + TIMEOUT_SECONDS + " s", "",
                        null);
            }
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return new Result(p.exitValue(), err);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw NflogException.nftFailed(what + ": interrupted", "", e);
        } catch (IOException e) {
            throw NflogException.nftFailed(what + ": cannot read nft's stderr", "", e);
        } finally {
            closeQuietly(p);
        }
    }

    private static void closeQuietly(Process p) {
        try {
            p.getErrorStream().close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    private static String executable(String name) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>();
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(SBIN_DIRS);
        for (String dir : dirs) {
            // relative PATH entries would resolve against whatever directory the service runs in: never those
            if (dir.startsWith("/") && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return name; // let start() fail with the usual "cannot run program" message
    }
}
