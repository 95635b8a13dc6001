package io.cellflow.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cellflow.flow.FlowAbi;
import io.cellflow.it.KernelState;
import io.cellflow.it.TestNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool of preloaded objects against the kernel: each object is handed out once, the pool refills behind the
 * hand-outs, another spec loads inline, and closing the pool (or a failed preload) unloads every program it held.
 */
class PreloadedObjectsTest {
    private static final BpfObjectSpec DEFAULTS = new BpfObjectSpec(Optional.empty(), false, 65536, 16384, 16384);
    private static final long WAIT_MS = 30_000;

    private Native nat;

    @BeforeEach
    void privileged() {
        String gap = TestNetwork.privilegeGap();
        Assumptions.assumeTrue(gap == null, "privileged BPF test skipped: " + gap);
        nat = Native.get();
    }

    @Test
    void handsOutEachPreloadedObjectOnceAndRefillsBehindIt() throws Exception {
        List<BpfObject> taken = new ArrayList<>();
        try (PreloadedObjects pool = new PreloadedObjects(nat, DEFAULTS, 2)) {
            assertTrue(pool.awaitReady(2, WAIT_MS), "two objects preloaded");
            Set<Long> preloaded = KernelState.heldPrograms();

            taken.add(pool.take(DEFAULTS));
            taken.add(pool.take(DEFAULTS));
            assertEquals(2, pool.hits());
            assertEquals(0, pool.misses());
            for (BpfObject o : taken) {
                assertTrue(preloaded.containsAll(programIds(o)), "a hand-out was loaded before it was asked for");
                assertEquals(65536, o.maxEntries(FlowAbi.MAP_EVENTS));
                assertEquals(16384, o.maxEntries(FlowAbi.MAP_FLOWS));
            }
            assertNotEquals(programIds(taken.get(0)), programIds(taken.get(1)), "two objects, not one twice");

            assertTrue(pool.awaitReady(2, WAIT_MS), "refilled after the hand-outs");
            taken.add(pool.take(DEFAULTS));
            Set<Long> seen = new TreeSet<>();
            for (BpfObject o : taken) {
                assertTrue(seen.addAll(programIds(o)), "every hand-out is an object of its own");
            }
        } finally {
            taken.forEach(BpfObject::close);
        }
    }

    @Test
    void emptyPoolLoadsInlineAndCountsAMiss() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        // the refill thread blocks in its load, so the pool stays empty while the test takes
        PreloadedObjects.Loader loader = spec -> {
            if (Thread.currentThread().getName().equals("cellflow-bpf-preload")) {
                awaitQuietly(release);
            }
            return spec.load(nat);
        };
        // the start gives the stuck load 50 ms, then loads its own
        try (PreloadedObjects pool = new PreloadedObjects(nat, DEFAULTS, 1, loader, 50)) {
            try (BpfObject o = pool.take(DEFAULTS)) {
                assertNotNull(o.programFd(FlowAbi.PROG_TC_INGRESS));
            }
            assertEquals(0, pool.hits());
            assertEquals(1, pool.misses());
            release.countDown();
            assertTrue(pool.awaitReady(1, WAIT_MS));
        } finally {
            release.countDown();
        }
    }

    @Test
    void aStartFindingThePoolEmptyTakesTheLoadInFlight() throws Exception {
        java.util.concurrent.CountDownLatch loadStarted = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger inlineLoads = new AtomicInteger();
        // the refill's load waits for the test, so the pool is empty with a load in flight when the start comes
        PreloadedObjects.Loader loader = spec -> {
            if (Thread.currentThread().getName().equals("cellflow-bpf-preload")) {
                loadStarted.countDown();
                awaitQuietly(release);
            } else {
                inlineLoads.incrementAndGet();
            }
            return spec.load(nat);
        };
        try (PreloadedObjects pool = new PreloadedObjects(nat, DEFAULTS, 1, loader, WAIT_MS)) {
            assertTrue(loadStarted.await(WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS));
            Thread releaser = new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                release.countDown();
            });
            releaser.start();
            try (BpfObject o = pool.take(DEFAULTS)) {
                assertNotNull(o.programFd(FlowAbi.PROG_TC_INGRESS));
            }
            releaser.join();
            assertEquals(0, inlineLoads.get(), "the start waited for the refill's load, it did not load its own");
            assertEquals(1, pool.hits());
            assertEquals(0, pool.misses());
        } finally {
            release.countDown();
        }
    }

    @Test
    void anotherRingSizeOrTheCgroupPairBypassesThePool() throws Exception {
        try (PreloadedObjects pool = new PreloadedObjects(nat, DEFAULTS, 1)) {
            assertTrue(pool.awaitReady(1, WAIT_MS));
            Set<Long> preloaded = KernelState.heldPrograms();
            BpfObjectSpec ownRing = new BpfObjectSpec(Optional.empty(), false, 16384, 16384, 4096);
            try (BpfObject o = pool.take(ownRing)) {
                assertEquals(16384, o.maxEntries(FlowAbi.MAP_EVENTS), "sized as asked, not a pooled default");
                assertFalse(preloaded.containsAll(programIds(o)), "loaded for this start");
            }
            BpfObjectSpec cgroup = new BpfObjectSpec(Optional.empty(), true, 65536, 16384, 16384);
            try (BpfObject o = pool.take(cgroup)) {
                assertNotNull(o.programFd(FlowAbi.PROG_CG_INGRESS));
            }
            assertEquals(2, pool.bypasses());
            assertEquals(0, pool.hits() + pool.misses());
            assertEquals(1, pool.ready(), "the pooled object is still there");
        }
    }

    @Test
    void closeUnloadsEveryPooledProgram() throws Exception {
        Set<Long> before = KernelState.heldPrograms();
        long fdsBefore = KernelState.bpfFds();
        Set<Long> pooled;
        try (PreloadedObjects pool = new PreloadedObjects(nat, DEFAULTS, 2)) {
            assertTrue(pool.awaitReady(2, WAIT_MS));
            pooled = new TreeSet<>(KernelState.heldPrograms());
            pooled.removeAll(before);
            assertEquals(4, pooled.size(), "two objects of two programs: " + pooled);
        }
        for (long id : pooled) {
            assertFalse(KernelState.programLoaded(id), "program " + id + " unloaded");
        }
        assertEquals(before, KernelState.heldPrograms());
        assertEquals(fdsBefore, KernelState.bpfFds(), "no BPF fd left");
    }

    @Test
    void aFailedPreloadFreesThePoolAndLeavesStartsToTheInlineLoad() throws Exception {
        Set<Long> before = KernelState.heldPrograms();
        AtomicInteger loads = new AtomicInteger();
        PreloadedObjects.Loader loader = spec -> {
            if (loads.incrementAndGet() == 1) {
                return spec.load(nat);
            }
            throw new BpfException(BpfException.Stage.LOAD, Errno.of(-13), "refused", "verifier says no");
        };
        try (PreloadedObjects pool = new PreloadedObjects(nat, DEFAULTS, 2, loader,
                PreloadedObjects.IN_FLIGHT_WAIT_MILLIS)) {
            long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
            while (pool.stoppedReason() == null && System.nanoTime() < deadline) {
                pool.awaitReady(2, 100);
            }
            assertNotNull(pool.stoppedReason(), "the second preload failed and the pool stopped");
            assertEquals(0, pool.ready(), "the object loaded first is freed with the pool");
            assertEquals(before, KernelState.heldPrograms());

            BpfException e = assertThrows(BpfException.class, () -> pool.take(DEFAULTS));
            assertEquals(BpfException.Stage.LOAD, e.stage(), "a start meets the failure on its own load");
            assertEquals(1, pool.misses());
        }
    }

    private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The kernel ids of the object's two tc programs, from this process's fdinfo. */
    private static Set<Long> programIds(BpfObject o) throws BpfException, IOException {
        Set<Long> ids = new TreeSet<>();
        for (String prog : List.of(FlowAbi.PROG_TC_INGRESS, FlowAbi.PROG_TC_EGRESS)) {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", Integer.toString(o.programFd(prog))))) {
                if (line.startsWith("prog_id:")) {
                    ids.add(Long.parseLong(line.substring(8).trim()));
                }
            }
        }
        return ids;
    }
}
