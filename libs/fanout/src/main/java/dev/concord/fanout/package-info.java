/**
 * Partitioned fanout relays (Discord's Manifold idea): the guild side ({@link
 * dev.concord.fanout.RelayHub}) sends each event ONCE per session pod with the list of recipients
 * there; the session side ({@link dev.concord.fanout.RelayPartitioner}) hashes each recipient onto
 * one of N {@link dev.concord.fanout.RelayWorkers workers} and hands each worker its recipients in
 * one task, so per-recipient work runs in parallel and each recipient keeps the guild's order.
 *
 * <p>See README.md beside the pom for the numbers behind the design.
 */
@NullMarked
package dev.concord.fanout;

import org.jspecify.annotations.NullMarked;
