package dev.flotilla.vm;

/** The lifecycle of a microVM: configuring → starting → running ⇄ paused → stopped | failed. */
public enum VmState {
    CONFIGURING, STARTING, RUNNING, PAUSED, STOPPING, STOPPED, FAILED;

    public boolean terminal() {
        return this == STOPPED || this == FAILED;
    }

    /** Firecracker's instance-info state names. */
    public String firecrackerName() {
        return switch (this) {
            case CONFIGURING, STARTING -> "Not started";
            case RUNNING, STOPPING -> "Running";
            case PAUSED -> "Paused";
            case STOPPED, FAILED -> "Stopped";
        };
    }
}
