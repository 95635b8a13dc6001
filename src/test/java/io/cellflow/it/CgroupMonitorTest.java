package io.cellflow.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * cgroup_skb mode: a monitor on a cgroup v2 directory sees the traffic of the processes placed in it, both ways,
 * and nothing of a process outside it. The process is a real child put into a test cgroup that is removed again.
 */
@QuarkusTest
class CgroupMonitorTest {
    private static TestNetwork net;
    private static Path cgroup;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void setUp() throws Exception {
        Path root = cgroup2Root();
        Assumptions.assumeTrue(root != null, "no cgroup v2 hierarchy mounted on this host");
        net = TestNetwork.createOrSkip("privileged cgroup tests");
        cgroup = root.resolve(TestNetwork.PREFIX + "cg-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (cgroup != null) {
            Files.deleteIfExists(cgroup); // empty again: its one process has exited
        }
        if (net != null) {
            net.close();
        }
    }

    /** Where cgroup v2 is mounted: /sys/fs/cgroup itself, or /sys/fs/cgroup/unified on a hybrid host. */
    static Path cgroup2Root() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && "cgroup2".equals(f[2]) && f[1].startsWith("/sys/fs/cgroup")) {
                return Path.of(f[1]);
            }
        }
        return null;
    }

    @Test
    void seesTheTrafficOfTheCgroupsProcessesOnly() throws Exception {
        InetAddress peer = InetAddress.getByName(net.peerV4);
        try (DatagramChannel echo = net.executor().call(net.peerPath(), () -> {
            try {
                return DatagramChannel.open(StandardProtocolFamily.INET);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })) {
            echo.bind(new InetSocketAddress(peer, 7801));
            given().contentType(ContentType.JSON).body("{\"cgroup\":\"" + cgroup + "\"}")
                    .post("/cells/cg-1/monitor").then().statusCode(201)
                    .body("attach_mode", equalTo("cgroup_skb")).body("cgroup", equalTo(cgroup.toString()));
            try (SseClient sse = new SseClient(base.resolve("/cells/cg-1/flows"))) {
                for (int i = 0; i < 250 && sse.status() == 0; i++) {
                    Thread.sleep(20);
                }
                // step: outside the cgroup: this datagram must not show up
                net.traffic().udp(net.cellPath(), net.cellV4, net.peerPath(), net.peerV4, 7802);

                // step: a process placed in the cgroup sends one datagram and reads the echo
                Thread responder = new Thread(() -> {
                    try {
                        ByteBuffer b = ByteBuffer.allocate(64);
                        echo.socket().setSoTimeout(5000);
                        java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[64], 64);
                        echo.socket().receive(in);
                        echo.socket().send(new java.net.DatagramPacket("pong\n".getBytes(), 5, in.getSocketAddress()));
                    } catch (Exception e) {
                        // the assertion below reports the missing flow
                    }
                });
                responder.start();
                String script = "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec ip netns exec " + net.cellNs
                        + " bash -c 'exec 3<>/dev/udp/" + net.peerV4 + "/7801; echo ping >&3; timeout 3 head -c 4 <&3'";
                Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the cgroup's process finished");
                String out = new String(p.getInputStream().readAllBytes()).trim();
                assertEquals("pong", out, "the process got its answer");
                responder.join(5000);

                assertTrue(sse.await(evs -> evs.stream().anyMatch(e -> "egress".equals(e.data().path("direction")
                        .asText()) && e.data().path("dst_port").asInt() == 7801), Duration.ofSeconds(5)),
                        "egress flow of the cgroup's process");
                assertTrue(sse.await(evs -> evs.stream().anyMatch(e -> "ingress".equals(e.data().path("direction")
                        .asText()) && e.data().path("src_port").asInt() == 7801), Duration.ofSeconds(5)),
                        "the answer, ingress");
                assertFalse(sse.events().stream().anyMatch(e -> e.data().path("dst_port").asInt() == 7802
                        || e.data().path("src_port").asInt() == 7802), "nothing from outside the cgroup");
            } finally {
                given().delete("/cells/cg-1/monitor").then().statusCode(204);
            }
        }
    }

    @Test
    void rejectsPathsOutsideCgroupFsAndNflog() throws Exception {
        given().contentType(ContentType.JSON).body("{\"cgroup\":\"/etc/../sys/fs/cgroup\"}")
                .post("/cells/cg-2/monitor").then().statusCode(400).body("field", equalTo("cgroup"));
        given().contentType(ContentType.JSON).body("{\"cgroup\":\"/sys/fs/cgroup/../../etc\"}")
                .post("/cells/cg-2/monitor").then().statusCode(400).body("field", equalTo("cgroup"));
        given().contentType(ContentType.JSON).body("{\"cgroup\":\"" + cgroup + "\",\"backend\":\"nflog\"}")
                .post("/cells/cg-2/monitor").then().statusCode(400).body("field", equalTo("backend"));
        given().contentType(ContentType.JSON)
                .body("{\"cgroup\":\"" + cgroup + "\",\"netns\":\"/run/netns/x\",\"interface\":\"eth0\"}")
                .post("/cells/cg-2/monitor").then().statusCode(400).body("field", equalTo("cgroup"));
        given().contentType(ContentType.JSON).body("{\"cgroup\":\"" + cgroup2Root().resolve("cft-no-such") + "\"}")
                .post("/cells/cg-2/monitor").then().statusCode(404);
        given().contentType(ContentType.JSON).body("{\"cgroup\":\"/sys/fs/cgroup/memory\"}")
                .post("/cells/cg-2/monitor").then().statusCode(422);
    }
}
