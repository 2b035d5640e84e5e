#!/usr/bin/env bash
# Behaviour tests of build/probe.elf: its ELF shape, then both boot paths on real /dev/kvm through
# minivmm (Linux 64-bit protocol and PVH, Firecracker's layout) and QEMU microvm through
# ops/bin/qemu-probe. Run by `make test`. KVM parts are skipped, loudly, when /dev/kvm is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
elf=build/probe.elf
vmm=build/minivmm
failures=0

pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

# expect NAME WANT-STATUS WANT-STDOUT-LINES... -- COMMAND...
# A wanted line is matched whole: literally, or as an extended regex when it starts with '~';
# a line starting with '!' must not appear.
expect() {
    local name="$1" want_rc="$2"; shift 2
    local lines=()
    while [[ "$1" != "--" ]]; do lines+=("$1"); shift; done
    shift
    local out rc
    out="$("$@" 2>/tmp/probe-test-stderr.$$)"; rc=$?
    local ok=1
    [[ $rc == "$want_rc" ]] || { ok=0; echo "     exit status $rc, wanted $want_rc"; }
    for l in "${lines[@]}"; do
        if [[ "$l" == !* ]]; then
            grep -qxF -- "${l#!}" <<<"$out" && { ok=0; echo "     unexpected line: ${l#!}"; }
        elif [[ "$l" == ~* ]]; then
            grep -qxE -- "${l:1}" <<<"$out" || { ok=0; echo "     missing line (regex): ${l:1}"; }
        else
            grep -qxF -- "$l" <<<"$out" || { ok=0; echo "     missing line: $l"; }
        fi
    done
    if [[ $ok == 1 ]]; then pass "$name"; else
        fail "$name"; sed 's/^/     | /' <<<"$out"; sed 's/^/     ! /' /tmp/probe-test-stderr.$$
    fi
}

# --- ELF shape -------------------------------------------------------------------------------
phdrs="$(readelf -lW "$elf")"
loads=0 low=0
while read -r type off vaddr paddr rest; do
    [[ $type == LOAD ]] || continue
    loads=$((loads + 1)); (( paddr < 0x100000 )) && low=1
done <<<"$phdrs"
if [[ $loads -gt 0 && $low == 0 ]]; then
    pass "every PT_LOAD is at or above 1 MiB"; else fail "every PT_LOAD is at or above 1 MiB"; fi
if grep -q '^ *NOTE' <<<"$phdrs" && readelf -nW "$elf" | grep -Eq 'Xen[[:space:]]+0x00000004[[:space:]]+Unknown note type: \(0x00000012\)'; then
    pass "PT_NOTE carries the Xen PHYS32_ENTRY (18) note"; else fail "PT_NOTE carries the Xen PHYS32_ENTRY (18) note"; fi

if [[ ! -e /dev/kvm ]]; then
    echo "SKIP all boot tests: /dev/kvm is absent on this machine"
    exit $((failures > 0))
fi

# --- Linux 64-bit boot protocol (minivmm) ------------------------------------------------------
expect "linux64: banner, cmdline, census, reset through the i8042" 0 \
    "flotilla probe guest v1 (boot=linux64)" "probe: cmdline=console=ttyS0 quiet" \
    "probe: cpus=2 mem_mib=128 boot=linux64" "probe: reset" -- \
    $vmm --cmdline "console=ttyS0 quiet" $elf
expect "linux64: x2APIC entries counted, disabled one not" 0 "probe: cpus=5 mem_mib=256 boot=linux64" -- \
    $vmm --x2apic --cpus 5 --mem-mib 256 $elf
expect "linux64: RSDP found by scanning when the zero page has none" 0 "probe: cpus=3 mem_mib=128 boot=linux64" -- \
    $vmm --no-rsdp-hint --cpus 3 $elf
expect "linux64: no enabled CPU in the MADT reports 0" 0 "probe: cpus=0 mem_mib=128 boot=linux64" -- \
    $vmm --cpus 0 $elf
expect "linux64: 3 GiB of RAM counted" 0 "probe: cpus=1 mem_mib=3072 boot=linux64" -- \
    $vmm --cpus 1 --mem-mib 3072 $elf
expect "linux64: probe.hold idles with hlt instead of resetting" 4 "probe: holding" "!probe: reset" -- \
    $vmm --cmdline "probe.hold" $elf
expect "linux64: probe.fault stops the VM with an emulation failure" 5 "probe: fault" "!probe: reset" -- \
    $vmm --cmdline "probe.fault" $elf
if grep -q 'internal error, suberror 1' /tmp/probe-test-stderr.$$ && grep -q 'c0b80f48f3' /tmp/probe-test-stderr.$$; then
    pass "linux64: the emulation failure carries the popcnt bytes f3 48 0f b8 c0"
else
    # On hardware virtualization popcnt just runs.
    grep -q 'exit=i8042' /tmp/probe-test-stderr.$$ && pass "linux64: popcnt executed (hardware virtualization)" \
        || fail "linux64: the emulation failure carries the popcnt bytes f3 48 0f b8 c0"
fi
expect "linux64: probe.run lists every routine and a summary" 0 \
    "probe: run disk unknown" "probe: run dice unknown" "probe: run done ok=0 fail=0 unknown=2" "probe: reset" -- \
    $vmm --cmdline "probe.runner=x probe.run=disk,,dice" $elf

expect "linux64: without ACPI the MP table is used (Firecracker's place, 0x9fc00)" 0 \
    "probe: cpus=3 mem_mib=128 boot=linux64" -- $vmm --no-acpi --mptable --cpus 3 $elf
expect "linux64: with neither table the count is 0" 0 "probe: cpus=0 mem_mib=128 boot=linux64" -- \
    $vmm --no-acpi --cpus 3 $elf
expect "linux64: every vCPU started at the entry (no irqchip): one runs the probe, the others halt" 0 \
    "probe: cpus=4 mem_mib=128 boot=linux64" "probe: reset" -- timeout 20 $vmm --start-all --cpus 4 $elf
if [[ $(grep -c 'exit=hlt' /tmp/probe-test-stderr.$$) == 3 ]]; then
    pass "linux64: ... and the three other vCPUs exit with hlt"
else
    fail "linux64: ... and the three other vCPUs exit with hlt"; sed 's/^/     ! /' /tmp/probe-test-stderr.$$
fi
expect "linux64: probe.verbose lists RAM ranges and table addresses" 0 \
    "probe: ram 0x0 size=0x9fc00" "probe: ram 0x100000 size=0x7f00000" \
    "probe: rsdp=0xe0000 boot_info_rsdp=0xe0000 madt=0xe2000 cpus_from=madt" -- \
    $vmm --cmdline probe.verbose $elf

expect "linux64: probe.run=lapic,mem with an in-kernel irqchip" 0 \
    "probe: run lapic ok id=0 version=0x50014" "probe: run mem ok checked=4 skipped_ranges=0" \
    "probe: run done ok=2 fail=0 unknown=0" -- $vmm --irqchip --cmdline probe.run=lapic,mem $elf
expect "linux64: probe.run=lapic fails without a local APIC" 0 \
    "probe: run lapic fail no local APIC at 0xfee00000: id=255 version=0xffffffff" \
    "probe: run done ok=0 fail=1 unknown=0" -- $vmm --cmdline probe.run=lapic $elf

expect "linux64: a virtio device without VIRTIO_F_VERSION_1 is refused with the reason" 0 \
    "probe: run rng fail device does not offer VIRTIO_F_VERSION_1" -- \
    $vmm --virtio 0xc0001000:4 --cmdline "virtio_mmio.device=4K@0xc0001000:5 probe.run=rng" $elf
expect "linux64: virtio-mmio devices from the command line, identified by their registers" 0 \
    "probe: virtio-mmio base=0xc0001000 size=0x1000 irq=5 version=2 device_id=4" \
    "probe: virtio-mmio base=0xc0002000 size=0x1000 irq=6 no-device" "probe: virtio-mmio malformed=2" -- \
    $vmm --virtio 0xc0001000:4 --cmdline "virtio_mmio.device=4K@0xc0001000:5 virtio_mmio.device=0x1000@3221233664:6 virtio_mmio.device=4K@:7 virtio_mmio.device=4K@0xc0003000" $elf

# --- virtio-vsock against the device model of test/vsockdev.c (no vhost-vsock on this host) ----
vsock_dev="virtio_mmio.device=4K@0xc0001000:5"
expect "minivmm vsock: guest echoes the host's 1 MiB on port 5000 and round-trips 1 MiB to host port 6000" 0 \
    "probe: vsock: listening cid=42 port=5000" "probe: run vsock ok guest_cid=42 echoed=1048576 roundtrip=1048576" -- \
    timeout 120 $vmm --vsock 42:5000:6000:1048576 --cmdline "$vsock_dev probe.run=vsock probe.vsock.accept=1" $elf
if grep -qx "vsockdev: client sent=1048576 checked=1048576 ok" /tmp/probe-test-stderr.$$; then
    pass "minivmm vsock: ... and the host side got its 1 MiB back intact, within the guest's credit"
else
    fail "minivmm vsock: ... and the host side got its 1 MiB back intact, within the guest's credit"; sed 's/^/     ! /' /tmp/probe-test-stderr.$$
fi
expect "minivmm vsock: other ports and sizes from the command line" 0 \
    "probe: vsock: listening cid=3 port=1234" "probe: run vsock ok guest_cid=3 echoed=5000 roundtrip=70001" -- \
    timeout 60 $vmm --vsock 3:1234:7000:5000 --cmdline "$vsock_dev probe.run=vsock probe.vsock.accept=1 probe.vsock.port=1234 probe.vsock.hostport=7000 probe.vsock.bytes=70001" $elf
expect "minivmm vsock: no host listener: the guest's request is answered with RST" 0 \
    "probe: run vsock fail the host refused the connection (RST): guest_cid=3 echoed=0 roundtrip=0" -- \
    timeout 60 $vmm --vsock 3:5000:6001:0 --cmdline "$vsock_dev probe.run=vsock" $elf
expect "minivmm vsock: waiting for a host connection that never comes ends at probe.vsock.wait_ms" 0 \
    "probe: run vsock fail timed out waiting for host connections: guest_cid=3 echoed=0 roundtrip=0" -- \
    timeout 60 $vmm --vsock 3:5000:6000:0 --cmdline "$vsock_dev probe.run=vsock probe.vsock.hostport=0 probe.vsock.accept=1 probe.vsock.wait_ms=500" $elf

# --- PVH (minivmm) ------------------------------------------------------------------------------
expect "pvh: banner, cmdline, census from hvm_start_info memmap" 0 \
    "flotilla probe guest v1 (boot=pvh)" "probe: cmdline=a b  c" "probe: cpus=4 mem_mib=512 boot=pvh" "probe: reset" -- \
    $vmm --pvh --cpus 4 --mem-mib 512 --cmdline "a b  c" $elf
expect "pvh: RSDP found by scanning when start info has none" 0 "probe: cpus=2 mem_mib=128 boot=pvh" -- \
    $vmm --pvh --no-rsdp-hint $elf
expect "pvh: every vCPU started at the entry: one runs the probe" 0 "probe: cpus=3 mem_mib=128 boot=pvh" -- \
    timeout 20 $vmm --pvh --start-all --cpus 3 $elf

# --- QEMU microvm (ops/bin/qemu-probe) ----------------------------------------------------------
if command -v qemu-system-x86_64 >/dev/null; then
    expect "qemu microvm: 2 vCPUs, 128 MiB, exits on reset" 0 \
        "flotilla probe guest v1 (boot=pvh)" "probe: cmdline=console=ttyS0" \
        "probe: cpus=2 mem_mib=128 boot=pvh" "probe: reset" -- \
        ../bin/qemu-probe --vcpus 2 --mem-mib 128 --kernel $elf
    expect "qemu microvm: memory above 4 GiB is counted (and left out of the mem test)" 0 \
        "probe: cpus=3 mem_mib=4608 boot=pvh" "probe: run mem ok checked=4 skipped_ranges=1" -- \
        ../bin/qemu-probe --vcpus 3 --mem-mib 4608 --cmdline probe.run=mem --kernel $elf
    expect "qemu microvm: acpi=off falls back to the MP table" 0 "probe: cpus=2 mem_mib=128 boot=pvh" -- \
        ../bin/qemu-probe --vcpus 2 --kernel $elf -- -M microvm,acpi=off
    expect "qemu microvm: virtio-mmio devices it appends to the command line (acpi=off)" 0 \
        "probe: virtio-mmio base=0xfeb00e00 size=0x200 irq=12 version=1 device_id=4" -- \
        ../bin/qemu-probe --kernel $elf -- -M microvm,acpi=off -device virtio-rng-device
    expect "qemu microvm: probe.hold runs until the timeout" 124 "probe: holding" -- \
        ../bin/qemu-probe --cmdline probe.hold --timeout 2 --kernel $elf
else
    echo "SKIP QEMU tests: qemu-system-x86_64 is not installed"
fi

# --- virtio drivers against QEMU microvm's virtio-mmio devices (version 2) ----------------------
# qemu_virtio CMDLINE QEMU-ARGS...: acpi=off so QEMU appends virtio_mmio.device= words to the
# command line; force-legacy=false for virtio-mmio version 2.
qemu_virtio() {
    local cmdline="$1"; shift
    ../bin/qemu-probe --kernel $elf --mem-mib 256 --timeout 60 --cmdline "console=ttyS0 $cmdline" -- \
        -M microvm,acpi=off -global virtio-mmio.force-legacy=false "$@"
}
# qemu_monitor STEP... -- CMDLINE QEMU-ARGS...: STEP is "TEXT=>HMP COMMAND": once the guest printed
# a line containing TEXT, send the command to QEMU's monitor (a pair of FIFOs); steps in order.
# Prints the guest's output.
qemu_monitor() {
    local steps=()
    while [[ "$1" != "--" ]]; do steps+=("$1"); shift; done
    shift
    local cmdline="$1"; shift
    local dir mon rc; dir="$(mktemp -d)"
    mkfifo "$dir/mon.in" "$dir/mon.out"
    qemu_virtio "$cmdline" -monitor "pipe:$dir/mon" "$@" >"$dir/out" &
    local qemu_pid=$!
    cat "$dir/mon.out" >/dev/null &
    exec {mon}>"$dir/mon.in"
    for step in "${steps[@]}"; do
        for _ in $(seq 100); do grep -qF -- "${step%%=>*}" "$dir/out" && break; sleep 0.1; done
        echo "${step#*=>}" >&$mon
    done
    wait $qemu_pid; rc=$?
    exec {mon}>&-
    cat "$dir/out"; rm -rf "$dir"
    return $rc
}
# crc32 of the first 4 KiB of a file, 8 hex digits (the CRC-32 in a gzip trailer, little-endian)
crc4k() { head -c 4096 "$1" | gzip -c | tail -c 8 | head -c 4 | od -An -tx4 | tr -d ' '; }

if command -v qemu-system-x86_64 >/dev/null; then
    img=$(mktemp /tmp/probe-blk.XXXXXX)
    yes "flotilla probe disk, sector pattern" | head -c 1048576 >"$img"
    crc=$(crc4k "$img")
    disk=(-drive "id=d0,file=$img,format=raw,if=none" -device virtio-blk-device,drive=d0,serial=probe0)
    expect "qemu virtio: blk reads capacity, serial and sector 0; blkwrite writes sector 8 and flushes" 0 \
        "probe: run blk ok capacity=2048 ro=0 id=probe0 crc32=$crc" "probe: run blkwrite ok status=0 flush=0" \
        "probe: run done ok=3 fail=0 unknown=0" -- qemu_virtio probe.run=blk,blkwrite,blk "${disk[@]}"
    if [[ "$(head -c 4201 "$img" | tail -c 105)" == "$(printf 'flotilla-probe-write-%.0s' 1 2 3 4 5)" ]]; then
        pass "qemu virtio: ... and the image holds the written text at byte 4096"
    else fail "qemu virtio: ... and the image holds the written text at byte 4096"; fi
    expect "qemu virtio: blkwrite at probe.blk.wsector=0 changes what blk reads" 0 \
        "probe: run blkwrite ok status=0 flush=0" "~probe: run blk ok capacity=2048 ro=0 id=probe0 crc32=[0-9a-f]{8}" \
        "!probe: run blk ok capacity=2048 ro=0 id=probe0 crc32=$crc" -- \
        qemu_virtio "probe.run=blkwrite,blk probe.blk.wsector=0" "${disk[@]}"
    crc=$(crc4k "$img")
    expect "qemu virtio: read-only disk: ro=1, the write is refused (status=1)" 0 \
        "probe: run blk ok capacity=2048 ro=1 id= crc32=$crc" "probe: run blkwrite ok status=1 flush=0" -- \
        qemu_virtio probe.run=blk,blkwrite -drive "id=d0,file=$img,format=raw,if=none,readonly=on" \
        -device virtio-blk-device,drive=d0
    expect "qemu virtio: blkbad (data outside RAM) leaves the device serving" 0 \
        "~probe: run blkbad ok bad_status=[0-9]+ good=1 needs_reset=0" "probe: run blk ok capacity=2048 ro=0 id=probe0 crc32=$crc" -- \
        qemu_virtio probe.run=blkbad,blk "${disk[@]}"
    expect "qemu virtio: blkwait sees block_resize (config change), blk then reads the new capacity" 0 \
        "probe: blkwait: waiting generation=0 capacity=2048" "probe: run blkwait ok capacity=4096" \
        "probe: run blk ok capacity=4096 ro=0 id=probe0 crc32=$crc" -- \
        qemu_monitor "blkwait: waiting=>block_resize d0 2M" -- "probe.run=blkwait,blk probe.blk.wait_ms=20000" "${disk[@]}"
    expect "qemu virtio: blkwait gives up after probe.blk.wait_ms" 0 \
        "probe: run blkwait fail no configuration change within the wait: capacity=4096 generation=0" -- \
        qemu_virtio "probe.run=blkwait probe.blk.wait_ms=300" "${disk[@]}"
    rm -f "$img"

    # Network: a TAP made persistent inside a namespace of our own (its host end 169.254.77.1/16),
    # QEMU started inside that namespace attaches to it; traffic goes only to the guest behind it.
    if [[ $(id -u) != 0 || ! -c /dev/net/tun ]] || ! command -v ip >/dev/null || \
       ! busybox --list 2>/dev/null | grep -qx ping; then
        echo "SKIP qemu virtio net: needs root, /dev/net/tun, iproute2 and busybox ping"
    else
        ns="probe-test-$$" tap="ptap$$"
        trap 'ip netns del "$ns" 2>/dev/null' EXIT
        if ip netns add "$ns" && ip -n "$ns" tuntap add dev "$tap" mode tap && \
           ip -n "$ns" addr add 169.254.77.1/16 dev "$tap" && ip -n "$ns" link set "$tap" up; then
            nic=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device virtio-net-device,netdev=n0)
            net_serve() {   # the host pings the guest once it serves; prints the guest's output
                local out; out="$(mktemp)"
                ip netns exec "$ns" bash -c "$(declare -f qemu_virtio); elf=$elf; qemu_virtio \"\$@\"" _ "$@" >"$out" &
                local pid=$!
                for _ in $(seq 100); do grep -q "netserve: serving" "$out" && break; sleep 0.1; done
                ip netns exec "$ns" busybox ping -c 3 -W 2 169.254.77.2 >/dev/null
                echo "host ping status $?" >>"$out.ping"
                wait $pid; local rc=$?
                cat "$out" "$out.ping"; rm -f "$out" "$out.ping"
                return $rc
            }
            expect "qemu virtio net: ARP, 3 pings to the host answered; the host's 3 pings answered (netserve)" 0 \
                "probe: net: up mac=52:54:00:12:34:56 ip=169.254.77.2 peer=169.254.77.1" \
                "probe: run net ok sent=3 replies=3 answered=0" "probe: run netserve ok answered=3" \
                "host ping status 0" -- \
                net_serve "probe.run=net,netserve probe.net.serve_ms=8000" "${nic[@]}"
            expect "qemu virtio net: a peer that does not exist: no ARP answer, nothing sent" 0 \
                "probe: run net fail the peer did not answer ARP: sent=0 replies=0 answered=0" -- \
                ip netns exec "$ns" bash -c "$(declare -f qemu_virtio); elf=$elf; qemu_virtio \"\$@\"" _ \
                "probe.run=net probe.net.ip=169.254.78.2 probe.net.peer=169.254.78.9" "${nic[@]}"
            expect "qemu virtio net: an address outside 169.254/16 is refused" 0 \
                "probe: run net fail probe.net.ip must be a link-local address 169.254.x.y" -- \
                qemu_virtio "probe.run=net probe.net.ip=10.0.0.2"
        else
            fail "qemu virtio net: setting up namespace $ns with $tap"
        fi
        ip netns del "$ns" 2>/dev/null
    fi

    expect "qemu virtio: balloon inflates to the monitor's target, deflates to a smaller one" 0 \
        "probe: touched mib=64 pages=16384" "~probe: balloon: free_pages=[0-9]+ first_pfn=0x[0-9a-f]+" \
        "probe: run balloon ok target_pages=0 inflated=0" \
        "probe: run balloonwait ok target_pages=16384 inflated=16384" \
        "probe: run balloonwait ok target_pages=4096 inflated=4096" \
        "probe: run balloon ok target_pages=4096 inflated=4096" "probe: run done ok=4 fail=0 unknown=0" -- \
        qemu_monitor "waiting target_pages=0 =>balloon 192" "waiting target_pages=16384 =>balloon 240" -- \
        "probe.touch=64 probe.run=balloon,balloonwait,balloonwait,balloon" -device virtio-balloon-device
    expect "qemu virtio: balloonwait gives up after probe.balloon.wait_ms" 0 \
        "probe: run balloonwait fail no change of num_pages within the wait: target_pages=0 inflated=0" -- \
        qemu_virtio "probe.run=balloonwait probe.balloon.wait_ms=300" -device virtio-balloon-device

    expect "qemu virtio: rng reads 64 bytes twice (device reset and set up again)" 0 \
        "~probe: run rng ok bytes=64 distinct=[0-9]+" "probe: run done ok=2 fail=0 unknown=0" -- \
        qemu_virtio probe.run=rng,rng -device virtio-rng-device
    expect "qemu virtio: a legacy (version 1) virtio-mmio device is refused with the reason" 0 \
        "probe: run rng fail device is legacy virtio-mmio (version 1); the probe drives version 2 only" -- \
        ../bin/qemu-probe --kernel $elf --cmdline "console=ttyS0 probe.run=rng" -- -M microvm,acpi=off -device virtio-rng-device
    expect "qemu virtio: rng without a device fails with the reason" 0 \
        "probe: run rng fail no virtio-rng device (device_id 4) on the command line" -- \
        qemu_virtio probe.run=rng
fi

rm -f /tmp/probe-test-stderr.$$
echo "$failures failure(s)"
exit $((failures > 0))
