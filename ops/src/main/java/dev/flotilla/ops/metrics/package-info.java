/**
 * Metrics: Kamon instruments fed from the fleet and from each microVM, exported by Kamon's Prometheus
 * reporter (its embedded server, loopback {@code 127.0.0.1:9095/metrics} by default: a port of its own
 * rather than a route on the API, so a scrape never competes with the API's request limits and a
 * Prometheus scraper needs no bearer token; see {@code flotilla.conf}), and Firecracker's per-VM
 * metrics file.
 *
 * <p>Who feeds what: {@link dev.flotilla.ops.metrics.ObservedVmLauncher} announces each MicroVm actor to
 * the {@link dev.flotilla.ops.metrics.VmMetricsCollector}, which subscribes to its state, polls its
 * vCPU exits and device counters, polls the fleet's counters and hosts, and writes each VM's
 * {@link dev.flotilla.ops.metrics.FirecrackerMetricsLine} to its {@code metrics_path} every minute and
 * on FlushMetrics. {@link dev.flotilla.ops.metrics.FleetFront} sits between the API and the fleet to time
 * creations and to turn FlushMetrics into a write.
 *
 * <p>Series (Prometheus names; every per-VM series carries {@code vm}):
 * <ul>
 *   <li>{@code flotilla_vm_boot_time_seconds} histogram — start request to the boot-timer write, once per run</li>
 *   <li>{@code flotilla_vm_vcpu_exits_total{reason}} — io_in, io_out, mmio_read, mmio_write, hlt, interrupted, other</li>
 *   <li>{@code flotilla_vm_device_bytes_total}, {@code _operations_total}, {@code _throttled_total},
 *       {@code _faults_total} {@code {device, kind, counter}} — counter is Firecracker's name (read_bytes,
 *       rate_limiter_throttled_events, entropy_bytes ...)</li>
 *   <li>{@code flotilla_vm_state{state}} — 1 for the VM's current state</li>
 *   <li>{@code flotilla_fleet_admissions_total{outcome}} — admitted, rate_limited (HTTP 429), no_capacity</li>
 *   <li>{@code flotilla_fleet_creation_latency_seconds{outcome}} histogram — POST /vms to the fleet's answer</li>
 *   <li>{@code flotilla_fleet_vms{state}}, {@code flotilla_host_vcpus{host,kind}}, {@code flotilla_host_memory_bytes{host,kind}},
 *       {@code flotilla_host_vms{host}} — kind is capacity (over-commit applied) or allocated (memory: guest RAM
 *       plus the per-VM overhead)</li>
 *   <li>{@code flotilla_host_memory_available_bytes{host}} (MemAvailable) and
 *       {@code flotilla_host_memory_pressure_percent{host,kind}} (PSI avg10, kind some or full; absent without PSI)
 *       — as the host agent last read /proc/meminfo and /proc/pressure/memory</li>
 *   <li>{@code flotilla_console_file_errors_total} — console file opens, appends and rotations that failed;
 *       {@code flotilla_console_file_bytes_total{kind}} — written, or dropped (kept in memory only: writer
 *       behind, free-space floor, or an error); {@code flotilla_console_file_paused} — 1 under the floor</li>
 * </ul>
 * When a VM's actor stops its series are no longer updated; Kamon's Prometheus reporter keeps showing
 * their last values (it keeps every series it has seen), so a VM that ended shows state stopped or failed. Plus Kamon's JVM and process metrics
 * (kamon-system-metrics).
 */
package dev.flotilla.ops.metrics;
