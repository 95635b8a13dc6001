package io.cellflow.health;

import io.cellflow.config.CellflowConfig;
import io.cellflow.monitor.KernelRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when a backend can start monitors on this host; says for each backend why not otherwise. */
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
        String ebpf = !config.ebpf().enabled() ? "disabled by cellflow.ebpf.enabled=false"
                : runtime.ebpfUnavailableReason();
        String nflog = runtime.nflogUnavailableReason();
        // ready while at least one backend can start a monitor
        return HealthCheckResponse.named("backends").status(ebpf == null || nflog == null)
                .withData("ebpf", ebpf == null ? "available" : ebpf)
                .withData("nflog", nflog == null ? "available" : nflog).build();
    }
}
