/**
 * Order statistics shared by every figure Flotilla reports: the warm pool's refill times, the demo's
 * boot and request latencies, the benchmarks' tables. One definition ({@link dev.flotilla.vm.stats.Percentiles}),
 * so the same samples give the same median wherever they are printed.
 */
package dev.flotilla.vm.stats;
