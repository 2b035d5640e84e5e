package dev.flotilla.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.sys.LibC;
import org.junit.jupiter.api.Test;

/** epoll over real eventfds: the primitive device workers wait on. */
class EpollIT {

    @Test
    void reportsTheTokenOfEachReadyFdAndTimesOutWhenNoneIs() {
        try (Epoll ep = Epoll.create(8); EventFd a = EventFd.create(true); EventFd b = EventFd.create(true)) {
            ep.add(a.fd(), LibC.EPOLLIN, 11);
            ep.add(b.fd(), LibC.EPOLLIN, 22);
            long[] tokens = new long[8];
            int[] evs = new int[8];
            assertEquals(0, ep.await(10, tokens, evs), "nothing ready yet");

            b.signal();
            assertEquals(1, ep.await(1000, tokens, evs));
            assertEquals(22, tokens[0]);
            assertTrue((evs[0] & LibC.EPOLLIN) != 0);
            assertEquals(1, b.read());

            a.signal();
            b.signal();
            int n = ep.await(1000, tokens, evs);
            assertEquals(2, n);
            assertEquals(33, tokens[0] + tokens[1]);

            a.read();
            b.read();
            ep.remove(b.fd());
            b.signal();
            assertEquals(0, ep.await(10, tokens, evs), "a removed fd is no longer reported");
        }
    }
}
