/**
 * Test kit: {@link dev.concord.testkit.GatewayClient}, a real Gateway v10 WebSocket client used by
 * the integration tests and the benchmarks.
 */
@NullMarked
package dev.concord.testkit;

import org.jspecify.annotations.NullMarked;
