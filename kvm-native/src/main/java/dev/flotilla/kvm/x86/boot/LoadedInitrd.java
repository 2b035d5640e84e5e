package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;

/** An initrd placed in guest RAM: what the zero page's ramdisk_image/size and the PVH modlist carry. */
public record LoadedInitrd(GuestAddress address, long size) {}
