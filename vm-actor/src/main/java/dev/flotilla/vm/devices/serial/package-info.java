/**
 * The 16550A UART on COM1 (port 0x3F8, IRQ 4): the guest's console.
 *
 * <p>A pure register state machine in the vm-superio style: {@link
 * dev.flotilla.vm.devices.serial.Serial8250} knows nothing of KVM or actors. Guest output goes to
 * the VM's {@link dev.flotilla.vm.console.ConsoleSink}; host input goes in through {@code
 * enqueueInput}, bounded by the 64-byte receive FIFO (a refused byte is the host's to retry, after
 * {@code SerialEvents.inputDrained()}); the interrupt goes out through an {@code IrqTrigger}.
 *
 * <p>What is modelled: THR/RBR, IER (low four bits), IIR with 16550A FIFO bits and the standard
 * priority, FCR (enable, clear receive FIFO), LCR with DLAB and the divisor latch, MCR with
 * loopback (outputs wired back to MSR, THR looped into the receive FIFO, overrun reported in LSR),
 * LSR, MSR with delta bits, SCR. That is what Linux's 8250 autoconfig probes for (IER bits,
 * loopback MSR = 0x90, FIFO bits in IIR, THR-empty raised on enabling THRI) and what a polling
 * guest needs. Not modelled: transmit timing and FIFO trigger levels (everything is instant;
 * received data raises its interrupt at once), the character-timeout IIR code, break and framing
 * errors, a 1-byte receive buffer in non-FIFO mode.
 *
 * <p>Snapshots: {@code save()} gives a {@link dev.flotilla.vm.devices.serial.Serial8250State}
 * (registers and unread input), {@code Serial8250.restore(state, ...)} builds a UART from one.
 */
package dev.flotilla.vm.devices.serial;
