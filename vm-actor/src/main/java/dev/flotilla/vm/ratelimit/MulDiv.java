package dev.flotilla.vm.ratelimit;

import java.math.BigInteger;

/** a * b + c over d for non-negative longs without overflow, saturating at Long.MAX_VALUE. */
final class MulDiv {

    private MulDiv() {
    }

    /**
     * (a * b + c) / d and its remainder, for non-negative a, b, c and positive d; the quotient
     * saturates at Long.MAX_VALUE (the remainder is then meaningless and the caller caps anyway).
     */
    static long[] divMod(long a, long b, long c, long d) {
        if (Math.multiplyHigh(a, b) == 0) {
            long p = a * b;
            if (p >= 0 && p + c >= 0) {
                long n = p + c;
                return new long[] {n / d, n % d};
            }
        }
        BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).add(BigInteger.valueOf(c))
                .divideAndRemainder(BigInteger.valueOf(d));
        return new long[] {saturate(qr[0]), qr[1].longValue()};
    }

    private static long saturate(BigInteger v) {
        return v.bitLength() < 64 ? v.longValue() : Long.MAX_VALUE;
    }

    static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
