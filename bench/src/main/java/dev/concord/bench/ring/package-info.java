/**
 * JMH benchmarks of the consistent-hash ring ({@code libs/ring}) against the designs it replaces.
 * Run them all with {@link dev.concord.bench.ring.RingBenchmarks}, which prints one summary table.
 */
@NullMarked
package dev.concord.bench.ring;

import org.jspecify.annotations.NullMarked;
