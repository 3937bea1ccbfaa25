/**
 * The local suite: all five services in one JVM, talking real gRPC over loopback, plus a demo
 * seed. {@link dev.concord.devsuite.LocalSuite} is used by {@code make run} ({@link
 * dev.concord.devsuite.DevSuiteMain}) and by the end-to-end tests.
 */
@NullMarked
package dev.concord.devsuite;

import org.jspecify.annotations.NullMarked;
