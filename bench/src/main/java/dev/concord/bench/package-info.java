/**
 * Benchmarks and load generators. Each class says in its javadoc what it measures and how to run
 * it; all print their numbers.
 */
@NullMarked
package dev.concord.bench;

import org.jspecify.annotations.NullMarked;
