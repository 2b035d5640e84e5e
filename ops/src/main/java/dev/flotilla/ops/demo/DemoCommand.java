package dev.flotilla.ops.demo;

import java.util.List;

/** Placeholder until the demo lands in the next commit. */
public final class DemoCommand {
    private DemoCommand() {}

    public static int execute(List<String> args) {
        System.err.println("flotilla demo: not built yet");
        return 2;
    }
}
