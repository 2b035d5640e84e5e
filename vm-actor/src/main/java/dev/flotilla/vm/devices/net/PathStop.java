package dev.flotilla.vm.devices.net;

/** Why a receive or transmit pass stopped, which decides what wakes that direction next. */
enum PathStop {
    /** The source ran dry (transmit: no chains; receive: no frame waiting): wait for a kick / the TAP. */
    DRAINED,
    /** The pass used its frame budget with work left, so the other direction gets a turn. */
    YIELDED,
    /** Receive only: a frame may wait but the guest has given no buffer: wait for an rx kick. */
    NO_BUFFERS,
    /** The rate limiter refused the next frame: resume when its tokens are back. */
    THROTTLED,
    /** Receive only: the backend failed a read: retry after a pause. */
    BACKEND_FAILED
}
