package io.cellflow.health;

import io.cellflow.config.CellflowConfig;
import io.cellflow.monitor.KernelRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when a backend can start monitors on this host; says why not otherwise. */
@Readiness
@ApplicationScoped
public class BackendReadiness implements HealthCheck {
    private final KernelRuntime runtime;
    private final CellflowConfig config;

    BackendReadiness(KernelRuntime runtime, CellflowConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        String why = !config.ebpf().enabled() ? "disabled by cellflow.ebpf.enabled=false" : runtime.unavailableReason();
        return HealthCheckResponse.named("ebpf-backend").status(why == null)
                .withData("ebpf", why == null ? "available" : why).build();
    }
}
