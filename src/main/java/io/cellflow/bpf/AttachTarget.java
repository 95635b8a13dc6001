package io.cellflow.bpf;

import java.nio.file.Path;

/** Where a cell's programs attach: the tc hooks of an interface in a namespace, or a cgroup's socket hooks. */
public sealed interface AttachTarget {

    /** tc (TCX or clsact) ingress and egress of {@code ifname} inside the namespace at {@code netns}. */
    record Interface(Path netns, String ifname) implements AttachTarget {}

    /** cgroup_skb ingress and egress of a cgroup v2 directory: the traffic of its processes' sockets. */
    record Cgroup(Path directory) implements AttachTarget {}
}
