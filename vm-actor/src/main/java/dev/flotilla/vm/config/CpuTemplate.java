package dev.flotilla.vm.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Firecracker's static CPU templates: which CPU features the guest is shown. Names as in the API's
 * {@code cpu_template} field. T2, T2S, C3 and T2CL are for Intel hosts, T2A for AMD; whether the
 * host can honour one is checked when the CPUID table is built, not here.
 */
public enum CpuTemplate {
    NONE("None"),
    T2("T2"),
    T2S("T2S"),
    C3("C3"),
    T2CL("T2CL"),
    T2A("T2A");

    private final String apiName;

    CpuTemplate(String apiName) {
        this.apiName = apiName;
    }

    /** The name in the API ("None", "T2", ...). */
    public String apiName() {
        return apiName;
    }

    /**
     * @throws InvalidConfigException naming the accepted values when {@code name} is none of them
     *     (exact, case-sensitive match, as Firecracker's API)
     */
    public static CpuTemplate fromApiName(String name) {
        for (CpuTemplate template : values()) {
            if (template.apiName.equals(name)) {
                return template;
            }
        }
        throw new InvalidConfigException("cpu_template", "cpu_template '" + name + "' is not a CPU template: use one of "
                + Arrays.stream(values()).map(CpuTemplate::apiName).collect(Collectors.joining(", ")));
    }
}
