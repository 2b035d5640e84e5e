package dev.flotilla.vm.devices.vsock;

import java.io.IOException;

/** Opens the host end of a guest-initiated connection: {@code <uds_path>_<port>} in production. */
@FunctionalInterface
public interface HostConnector {

    /**
     * Connects without blocking to the host listener for {@code hostPort}.
     *
     * @throws IOException if nobody listens there (the guest then gets a RST)
     */
    HostStream connect(long hostPort) throws IOException;
}
