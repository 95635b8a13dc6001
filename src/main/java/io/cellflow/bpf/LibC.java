package io.cellflow.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.socklen_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls cellflow needs, bound by JNR-FFI. Downcalls only: no callback types, so the binding works with
 * {@code -Djnr.ffi.asm.enabled=false} and in a native image. {@code errno} is saved by the loader
 * ({@link Native#errno()}).
 */
public interface LibC {
    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int O_DIRECTORY = 0x10000;
    int CLONE_NEWNET = 0x40000000;
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;
    /** mmap's MAP_FAILED, as an address */
    long MAP_FAILED = -1L;
    int EPOLL_CLOEXEC = 0x80000;
    int EPOLL_CTL_ADD = 1;
    int EPOLL_CTL_DEL = 2;
    int EPOLLIN = 1;
    int EFD_CLOEXEC = 0x80000;
    int EFD_NONBLOCK = 0x800;
    int AF_NETLINK = 16;
    int SOCK_RAW = 3;
    int SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1;
    int SO_RCVBUF = 8;
    int MSG_TRUNC = 0x20;
    int MSG_DONTWAIT = 0x40;
    /** struct pollfd { int fd; short events; short revents; } */
    int POLLFD_SIZE = 8;
    short POLLIN = 1;
    short POLLERR = 8;
    short POLLHUP = 0x10;
    short POLLNVAL = 0x20;

    int open(String path, int flags);

    int close(int fd);

    /** cmd F_DUPFD_CLOEXEC: a new fd (&gt;= arg) for the same open file */
    int fcntl(int fd, int cmd, int arg);

    int F_DUPFD_CLOEXEC = 1030;

    int setns(int fd, int nstype);

    /** Linux: with {@code which = PRIO_PROCESS, who = 0}, the calling thread's nice value. */
    int setpriority(int which, int who, int prio);

    int if_nametoindex(String name);

    /** Pass {@code null} as {@code addr}; compare the result's address with {@link #MAP_FAILED}. */
    Pointer mmap(Pointer addr, @size_t long length, int prot, int flags, int fd, long offset);

    int munmap(Pointer addr, @size_t long length);

    int epoll_create1(int flags);

    int epoll_ctl(int epfd, int op, int fd, @In Pointer event);

    int epoll_wait(int epfd, @Out Pointer events, int maxevents, int timeout);

    int eventfd(int initval, int flags);

    @ssize_t
    long read(int fd, @Out Pointer buf, @size_t long count);

    @ssize_t
    long write(int fd, @In Pointer buf, @size_t long count);

    int getpagesize();

    int socket(int domain, int type, int protocol);

    int bind(int fd, @In Pointer addr, @socklen_t int addrlen);

    int setsockopt(int fd, int level, int optname, @In Pointer optval, @socklen_t int optlen);

    @ssize_t
    long send(int fd, @In Pointer buf, @size_t long len, int flags);

    @ssize_t
    long recv(int fd, @Out Pointer buf, @size_t long len, int flags);

    /** {@code nfds} is an {@code nfds_t} (unsigned long), the width of size_t on every Linux ABI. */
    int poll(Pointer fds, @size_t long nfds, int timeout);
}
