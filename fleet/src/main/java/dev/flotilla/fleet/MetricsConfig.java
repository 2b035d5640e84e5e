package dev.flotilla.fleet;

import dev.flotilla.vm.config.InvalidConfigException;
import java.nio.file.Path;

/**
 * Where one VM's Firecracker-style metrics JSON is flushed, Firecracker's {@code Metrics} ({@code PUT /metrics}):
 * on a FlushMetrics action and at an interval. The path has already been confined to the API's allowed roots.
 */
public record MetricsConfig(Path metricsPath) {
    public MetricsConfig {
        if (metricsPath == null || metricsPath.toString().isEmpty()) {
            throw new InvalidConfigException("metrics_path", "metrics_path is missing: give the file or named pipe metrics are flushed to");
        }
    }
}
