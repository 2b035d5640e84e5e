package dev.flotilla.ops;

import dev.flotilla.vm.config.MachineConfig;
import java.util.List;

/** The option-value readers every subcommand's parser shares; mistakes are {@link UsageException}s naming the option. */
public final class CliArgs {

    private CliArgs() {}

    /** The value at {@code args[i]}, which follows option {@code opt}. */
    public static String value(List<String> args, int i, String opt) {
        if (i >= args.size()) throw new UsageException(opt + " needs a value");
        return args.get(i);
    }

    public static int integer(List<String> args, int i, String opt) {
        String v = value(args, i, opt);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(opt + " takes a whole number, got '" + v + "'");
        }
    }

    /** A finite number of seconds. */
    public static double seconds(List<String> args, int i, String opt) {
        String v = value(args, i, opt);
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(opt + " takes a number of seconds, got '" + v + "'");
        }
    }

    /** A vCPU count within what {@link MachineConfig} accepts (the API's limit too). */
    public static void checkVcpus(String opt, int vcpus) {
        if (vcpus < 1 || vcpus > MachineConfig.MAX_VCPUS) {
            throw new UsageException(opt + " must be 1 to " + MachineConfig.MAX_VCPUS + ", got " + vcpus);
        }
    }

    /** A guest RAM size in MiB within what {@link MachineConfig} accepts (the API's limit too). */
    public static void checkMemMib(String opt, long memMib) {
        if (memMib < MachineConfig.MIN_MEM_SIZE_MIB || memMib > MachineConfig.MAX_MEM_SIZE_MIB) {
            throw new UsageException(opt + " must be " + MachineConfig.MIN_MEM_SIZE_MIB + " to "
                    + MachineConfig.MAX_MEM_SIZE_MIB + ", got " + memMib);
        }
    }
}
