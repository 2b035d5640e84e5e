package dev.flotilla.kvm.net;

import java.util.Arrays;

/** Just enough Ethernet/ARP/IPv4/ICMP to answer a ping from the test's own code. */
final class Frames {

    static final int ETH_ARP = 0x0806;
    static final int ETH_IPV4 = 0x0800;

    private Frames() {
    }

    static int etherType(byte[] f) {
        return ((f[12] & 0xFF) << 8) | (f[13] & 0xFF);
    }

    static byte[] ip(String dotted) {
        String[] p = dotted.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) b[i] = (byte) Integer.parseInt(p[i]);
        return b;
    }

    /** The ARP reply to {@code req} if it asks who has {@code myIp}; else null. */
    static byte[] arpReply(byte[] req, int len, byte[] myMac, byte[] myIp) {
        if (len < 42 || etherType(req) != ETH_ARP || req[21] != 1) return null;   // opcode 1 = request
        if (!Arrays.equals(Arrays.copyOfRange(req, 38, 42), myIp)) return null;
        byte[] r = new byte[42];
        System.arraycopy(req, 6, r, 0, 6);          // to the asker
        System.arraycopy(myMac, 0, r, 6, 6);
        r[12] = 0x08; r[13] = 0x06;
        System.arraycopy(req, 14, r, 14, 6);        // htype, ptype, hlen, plen
        r[20] = 0; r[21] = 2;                       // reply
        System.arraycopy(myMac, 0, r, 22, 6);
        System.arraycopy(myIp, 0, r, 28, 4);
        System.arraycopy(req, 22, r, 32, 10);       // target = the asker's mac and ip
        return r;
    }

    /** The echo reply to {@code req} if it is an ICMP echo request to {@code myIp}; else null. */
    static byte[] echoReply(byte[] req, int len, byte[] myMac, byte[] myIp) {
        if (len < 42 || etherType(req) != ETH_IPV4 || (req[14] & 0xF0) != 0x40 || req[23] != 1) return null;
        int ihl = (req[14] & 0x0F) * 4;
        if (!Arrays.equals(Arrays.copyOfRange(req, 30, 34), myIp) || req[14 + ihl] != 8) return null;
        byte[] r = Arrays.copyOf(req, len);
        System.arraycopy(req, 6, r, 0, 6);
        System.arraycopy(myMac, 0, r, 6, 6);
        System.arraycopy(req, 30, r, 26, 4);        // swap addresses
        System.arraycopy(req, 26, r, 30, 4);
        r[22] = 64;                                 // ttl
        r[24] = 0; r[25] = 0;
        put16(r, 24, checksum(r, 14, ihl));
        int icmp = 14 + ihl;
        r[icmp] = 0;                                // echo reply
        r[icmp + 2] = 0; r[icmp + 3] = 0;
        int ipLen = ((req[16] & 0xFF) << 8) | (req[17] & 0xFF);
        put16(r, icmp + 2, checksum(r, icmp, ipLen - ihl));
        return r;
    }

    static int checksum(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) sum += ((b[off + i] & 0xFF) << 8) | (b[off + i + 1] & 0xFF);
        if ((len & 1) != 0) sum += (b[off + len - 1] & 0xFF) << 8;
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (int) (~sum & 0xFFFF);
    }

    private static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >> 8);
        b[off + 1] = (byte) v;
    }

    static String hex(byte[] b, int len) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) s.append(String.format("%02x", b[i]));
        return s.toString();
    }
}
