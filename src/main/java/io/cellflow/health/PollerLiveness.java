package io.cellflow.health;

import io.cellflow.monitor.KernelRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Down when the ring-buffer poller thread died: every eBPF monitor has stopped receiving events. */
@Liveness
@ApplicationScoped
public class PollerLiveness implements HealthCheck {
    private final KernelRuntime runtime;

    PollerLiveness(KernelRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        if (runtime.poller() == null) {
            // no poller was ever started on this host: nothing died
            return HealthCheckResponse.named("ring-buffer-poller").up().withData("started", false).build();
        }
        return HealthCheckResponse.named("ring-buffer-poller").status(runtime.pollerAlive())
                .withData("cells", runtime.poller().registrations()).build();
    }
}
