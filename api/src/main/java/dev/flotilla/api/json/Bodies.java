package dev.flotilla.api.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of the API, named after Firecracker's swagger definitions. Fields are boxed so that "absent"
 * is visible (required fields are checked by {@link BodyMapper}); the shared {@link Json} mapper refuses unknown
 * fields, wrong types and coercions ("2" for 2). The same records are written back by the GET endpoints, absent
 * values omitted, so what {@code GET /vms/{id}/config} returns can be posted to {@code POST /vms} again.
 */
public final class Bodies {

    private Bodies() {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MachineConfiguration(Integer vcpuCount, Long memSizeMib, Boolean smt, String cpuTemplate,
                                       Boolean trackDirtyPages, String hugePages) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BootSource(String kernelImagePath, String initrdPath, String bootArgs) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenBucket(Long size, Long oneTimeBurst, Long refillTime) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RateLimiter(TokenBucket bandwidth, TokenBucket ops) {}

    /** cache_type and io_engine are accepted with the one value Flotilla implements (Unsafe, Sync). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Drive(String driveId, String pathOnHost, Boolean isRootDevice, Boolean isReadOnly, String partuuid,
                        RateLimiter rateLimiter, String cacheType, String ioEngine) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartialDrive(String driveId, String pathOnHost, RateLimiter rateLimiter) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NetworkInterface(String ifaceId, String hostDevName, String guestMac, RateLimiter rxRateLimiter,
                                   RateLimiter txRateLimiter) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartialNetworkInterface(String ifaceId, RateLimiter rxRateLimiter, RateLimiter txRateLimiter) {}

    /** vsock_id is deprecated in Firecracker; accepted and ignored. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Vsock(Long guestCid, String udsPath, String vsockId) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EntropyDevice(RateLimiter rateLimiter) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Balloon(Long amountMib, Boolean deflateOnOom, Integer statsPollingIntervalS) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BalloonUpdate(Long amountMib) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BalloonStatsUpdate(Integer statsPollingIntervalS) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Logger(String logPath, String level, Boolean showLevel, Boolean showLogOrigin, String module) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metrics(String metricsPath) {}

    public record InstanceActionInfo(String actionType) {}

    public record Vm(String state) {}

    /**
     * Firecracker's config file ({@code --config-file}, {@code GET /vm/config}) plus Flotilla's fields: the body
     * of {@code POST /vms} and of {@code GET /vms/{id}/config}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VmConfig(String id,
                           Map<String, String> labels,
                           String restartPolicy,
                           @JsonProperty("boot-source") BootSource bootSource,
                           @JsonProperty("machine-config") MachineConfiguration machineConfig,
                           List<Drive> drives,
                           @JsonProperty("network-interfaces") List<NetworkInterface> networkInterfaces,
                           Vsock vsock,
                           EntropyDevice entropy,
                           Balloon balloon,
                           Logger logger,
                           Metrics metrics) {}

    // ---- responses only ----

    public record InstanceInfo(String id, String state, String vmmVersion, String appName) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BalloonStats(long targetPages, long actualPages, long targetMib, long actualMib, Long swapIn, Long swapOut,
                               Long majorFaults, Long minorFaults, Long freeMemory, Long totalMemory, Long availableMemory,
                               Long diskCaches, Long hugetlbAllocations, Long hugetlbFailures) {}

    public record EndReason(String kind, String detail) {}

    /** One VM as the fleet knows it. state is Flotilla's lifecycle state in lower case; firecracker_state its InstanceInfo name. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VmView(String id, String state, String firecrackerState, EndReason endReason, String host, Double bootMs,
                         int restarts, String createdAt, VmConfig config) {}

    public record VmPage(List<VmView> items, int total, int offset, int limit) {}

    /** Pressure figures are absent (not null) before the host's first reading or without PSI. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Host(String name, int vcpuCapacity, long memMibCapacity, int vcpusAllocated, long memMibAllocated,
                       int vmCount, String kvmFlavour, long vmOverheadMib, long memTotalMib, long memReserveMib,
                       Long memAvailableMib, Double memoryPressureSomeAvg10, Double memoryPressureFullAvg10) {}

    public record HostList(List<Host> hosts) {}

    public record Event(long sequence, String at, VmView vm) {}

    public record Fault(String faultMessage) {}
}
