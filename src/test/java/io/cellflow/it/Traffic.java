package io.cellflow.it;

import io.cellflow.bpf.BpfException;
import io.cellflow.bpf.NetnsExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Bounded test traffic between two namespaces: one request and one answer per call. Sockets are created inside a
 * namespace on the {@link NetnsExecutor} thread (a socket belongs to the namespace it was created in) and used
 * from the test thread. Every blocking call has a timeout.
 */
public final class Traffic {
    private static final int TIMEOUT_MS = 3000;
    private final NetnsExecutor netns;

    public Traffic(NetnsExecutor netns) {
        this.netns = netns;
    }

    /** One UDP datagram from client to server:port and one back. @return the client's port */
    public int udp(Path clientNs, String clientAddr, Path serverNs, String serverAddr, int port) throws Exception {
        InetAddress server = InetAddress.getByName(serverAddr);
        StandardProtocolFamily family = family(server);
        try (DatagramChannel srv = open(serverNs, () -> DatagramChannel.open(family));
                DatagramChannel cli = open(clientNs, () -> DatagramChannel.open(family))) {
            srv.bind(new InetSocketAddress(server, port));
            cli.bind(new InetSocketAddress(InetAddress.getByName(clientAddr), 0));
            srv.socket().setSoTimeout(TIMEOUT_MS);
            cli.socket().setSoTimeout(TIMEOUT_MS);
            cli.send(ByteBuffer.wrap("ping".getBytes()), new InetSocketAddress(server, port));
            java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[64], 64);
            srv.socket().receive(in);
            srv.socket().send(new java.net.DatagramPacket("pong".getBytes(), 4, in.getSocketAddress()));
            cli.socket().receive(new java.net.DatagramPacket(new byte[64], 64));
            return ((InetSocketAddress) cli.getLocalAddress()).getPort();
        }
    }

    /** The most datagrams {@link #udpToPorts} sends in one call. */
    public static final int MAX_BURST = 1024;

    /**
     * One UDP datagram from one client socket to each of {@code count} ports of the server, starting at
     * {@code firstPort}: {@code count} new egress flows. Nothing listens there and nothing is awaited (the server's
     * port-unreachable answers are one ICMP flow).
     *
     * @return the client's port
     */
    public int udpToPorts(Path clientNs, String clientAddr, String serverAddr, int firstPort, int count)
            throws Exception {
        if (count < 1 || count > MAX_BURST || firstPort < 1 || firstPort + count > 65536) {
            throw new IllegalArgumentException("ports " + firstPort + " + " + count);
        }
        InetAddress server = InetAddress.getByName(serverAddr);
        try (DatagramChannel cli = open(clientNs, () -> DatagramChannel.open(family(server)))) {
            cli.bind(new InetSocketAddress(InetAddress.getByName(clientAddr), 0));
            for (int i = 0; i < count; i++) {
                cli.send(ByteBuffer.wrap("ping".getBytes()), new InetSocketAddress(server, firstPort + i));
            }
            return ((InetSocketAddress) cli.getLocalAddress()).getPort();
        }
    }

    /** How long {@link #udpUndelivered} listens for a datagram that must not arrive. */
    public static final int UNDELIVERED_WAIT_MS = 1000;

    /**
     * One UDP datagram from client to server:port that must not arrive: the server's socket receives nothing
     * within {@link #UNDELIVERED_WAIT_MS}. A send the client's own stack refuses (an nft drop in the output hook
     * returns EPERM) counts as not delivered.
     *
     * @return the client's port
     * @throws AssertionError if the server received the datagram
     */
    public int udpUndelivered(Path clientNs, String clientAddr, Path serverNs, String serverAddr, int port)
            throws Exception {
        InetAddress server = InetAddress.getByName(serverAddr);
        StandardProtocolFamily family = family(server);
        try (DatagramChannel srv = open(serverNs, () -> DatagramChannel.open(family));
                DatagramChannel cli = open(clientNs, () -> DatagramChannel.open(family))) {
            srv.bind(new InetSocketAddress(server, port));
            cli.bind(new InetSocketAddress(InetAddress.getByName(clientAddr), 0));
            srv.socket().setSoTimeout(UNDELIVERED_WAIT_MS);
            try {
                cli.send(ByteBuffer.wrap("ping".getBytes()), new InetSocketAddress(server, port));
            } catch (IOException refusedLocally) {
                // EPERM: dropped before it left the cell's stack
            }
            java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[64], 64);
            try {
                srv.socket().receive(in);
            } catch (java.net.SocketTimeoutException expected) {
                return ((InetSocketAddress) cli.getLocalAddress()).getPort();
            }
            throw new AssertionError("the datagram to " + serverAddr + ":" + port + " arrived from "
                    + in.getSocketAddress());
        }
    }

    /** A TCP connection from client to server:port, one request and one answer, then close. @return client port */
    public int tcp(Path clientNs, String clientAddr, Path serverNs, String serverAddr, int port) throws Exception {
        InetAddress server = InetAddress.getByName(serverAddr);
        try (ServerSocketChannel srv = open(serverNs, () -> ServerSocketChannel.open(family(server)));
                SocketChannel cli = open(clientNs, () -> SocketChannel.open(family(server)))) {
            srv.bind(new InetSocketAddress(server, port));
            cli.bind(new InetSocketAddress(InetAddress.getByName(clientAddr), 0));
            cli.socket().connect(new InetSocketAddress(server, port), TIMEOUT_MS);
            cli.socket().setSoTimeout(TIMEOUT_MS);
            try (SocketChannel conn = srv.accept()) {
                conn.socket().setSoTimeout(TIMEOUT_MS);
                cli.socket().getOutputStream().write("hello".getBytes());
                byte[] buf = new byte[5];
                conn.socket().getInputStream().readNBytes(buf, 0, 5);
                conn.socket().getOutputStream().write("world".getBytes());
                cli.socket().getInputStream().readNBytes(buf, 0, 5);
            }
            return ((InetSocketAddress) cli.getLocalAddress()).getPort();
        }
    }

    /**
     * A TCP connection that carries {@code bytes} from client to server, then closes from both sides (FIN).
     *
     * @return the client's port
     */
    public int tcpBulk(Path clientNs, String clientAddr, Path serverNs, String serverAddr, int port, int bytes)
            throws Exception {
        InetAddress server = InetAddress.getByName(serverAddr);
        try (ServerSocketChannel srv = open(serverNs, () -> ServerSocketChannel.open(family(server)));
                SocketChannel cli = open(clientNs, () -> SocketChannel.open(family(server)))) {
            srv.bind(new InetSocketAddress(server, port));
            cli.bind(new InetSocketAddress(InetAddress.getByName(clientAddr), 0));
            cli.socket().connect(new InetSocketAddress(server, port), TIMEOUT_MS);
            int clientPort = ((InetSocketAddress) cli.getLocalAddress()).getPort();
            try (SocketChannel conn = srv.accept()) {
                conn.socket().setSoTimeout(TIMEOUT_MS);
                Thread writer = new Thread(() -> {
                    try {
                        byte[] chunk = new byte[16 * 1024];
                        for (int sent = 0; sent < bytes; sent += chunk.length) {
                            cli.socket().getOutputStream().write(chunk, 0, Math.min(chunk.length, bytes - sent));
                        }
                        cli.shutdownOutput();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                writer.start();
                byte[] buf = new byte[64 * 1024];
                long got = 0;
                for (int n; (n = conn.socket().getInputStream().read(buf)) >= 0; ) {
                    got += n;
                }
                writer.join(TIMEOUT_MS);
                if (got != bytes) {
                    throw new IllegalStateException("server received " + got + " of " + bytes + " bytes");
                }
            }
            return clientPort;
        }
    }

    private static StandardProtocolFamily family(InetAddress a) {
        return a.getAddress().length == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    @FunctionalInterface
    private interface Opener<T> {
        T open() throws IOException;
    }

    private <T> T open(Path ns, Opener<T> opener) throws BpfException {
        return netns.call(ns, () -> {
            try {
                return opener.open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
