package io.cellflow.bpf;

/**
 * An errno as the kernel reported it, with its symbolic name and text (from jnr-constants), so messages say
 * "ENOENT (No such file or directory)" instead of "-2".
 */
public record Errno(int number) {

    /** From a libbpf-style return value ({@code -errno}) or a plain errno. */
    public static Errno of(int code) {
        return new Errno(Math.abs(code));
    }

    public String name() {
        jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(number);
        return e == jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__ ? "E" + number : e.name();
    }

    public String text() {
        jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(number);
        return e == jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__ ? "errno " + number : e.description();
    }

    @Override
    public String toString() {
        return name() + " (" + text() + ")";
    }
}
