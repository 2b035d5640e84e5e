package dev.flotilla.ops;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The options of {@code flotilla run}, parsed and validated: every mistake is reported with what to type
 * instead, before anything touches KVM.
 */
public record RunOptions(Optional<Path> kernel, Optional<Path> initrd, Optional<String> cmdline, int vcpus,
                         long memMib, String boot, Duration timeout, Optional<Path> consoleFile, boolean verbose,
                         dev.flotilla.vm.config.VmDevices devices) {

    public static final String USAGE = """
            usage: flotilla run [--kernel PATH] [--initrd PATH] [--cmdline STR] [--vcpus N] [--mem-mib M]
                                [--boot auto|linux64|pvh] [--timeout S] [--console-file PATH] [--verbose]
                                [--drive PATH[:ro][:root]]... [--tap NAME[:MAC]]... [--vsock CID:UDS_PATH]
                                [--entropy] [--balloon MIB[:deflate][:stats=S]]
                                [--rate-limit TARGET=bw=BYTES/MS[+BURST],ops=COUNT/MS[+BURST]]...
                                  (TARGET: drive0.., net0.rx, net0.tx, entropy)
              Boots one microVM and streams its console to stdout. Without --kernel it boots the
              embedded probe guest. Exit status 0 when the guest ends by itself (reset or power-off).""";

    public RunOptions {
        CliArgs.checkVcpus("--vcpus", vcpus);
        CliArgs.checkMemMib("--mem-mib", memMib);
        if (!List.of("auto", "linux64", "pvh").contains(boot)) {
            throw new UsageException("--boot must be auto, linux64 or pvh, got '" + boot + "'");
        }
        if (timeout.isNegative() || timeout.isZero()) throw new UsageException("--timeout must be positive");
        if (devices == null) devices = dev.flotilla.vm.config.VmDevices.NONE;
    }

    public static RunOptions parse(List<String> args) {
        Optional<Path> kernel = Optional.empty(), initrd = Optional.empty(), consoleFile = Optional.empty();
        Optional<String> cmdline = Optional.empty();
        int vcpus = 1;
        long mem = 128;
        String boot = "auto";
        Duration timeout = Duration.ofSeconds(30);
        boolean verbose = false;
        DeviceOptions devices = new DeviceOptions();
        for (int i = 0; i < args.size(); i++) {
            int next = devices.take(args, i);
            if (next >= 0) {
                i = next - 1;
                continue;
            }
            String a = args.get(i);
            switch (a) {
                case "--kernel" -> kernel = Optional.of(Path.of(CliArgs.value(args, ++i, a)));
                case "--initrd" -> initrd = Optional.of(Path.of(CliArgs.value(args, ++i, a)));
                case "--cmdline" -> cmdline = Optional.of(CliArgs.value(args, ++i, a));
                case "--vcpus" -> vcpus = CliArgs.integer(args, ++i, a);
                case "--mem-mib" -> mem = CliArgs.integer(args, ++i, a);
                case "--boot" -> boot = CliArgs.value(args, ++i, a);
                case "--timeout" -> timeout = Duration.ofMillis((long) (CliArgs.seconds(args, ++i, a) * 1000));
                case "--console-file" -> consoleFile = Optional.of(Path.of(CliArgs.value(args, ++i, a)));
                case "--verbose", "-v" -> verbose = true;
                default -> throw new UsageException("unknown option '" + a + "'");
            }
        }
        return new RunOptions(kernel, initrd, cmdline, vcpus, mem, boot, timeout, consoleFile, verbose, devices.toDevices());
    }




}
