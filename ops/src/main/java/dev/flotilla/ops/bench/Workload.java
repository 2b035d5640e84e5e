package dev.flotilla.ops.bench;

/** What {@code flotilla bench devices} measures, and the probe routine behind each. */
enum Workload {
    BLOCK_RANDOM("blkrand", "block 4 KiB random reads", "reads"),
    BLOCK_SEQUENTIAL("blkseq", "block 1 MiB sequential reads", "reads"),
    NET_ECHO("netserve", "net ICMP echo (host ping -A into the guest)", "echoes");

    final String routine;
    final String title;
    final String unit;

    Workload(String routine, String title, String unit) {
        this.routine = routine;
        this.title = title;
        this.unit = unit;
    }
}
