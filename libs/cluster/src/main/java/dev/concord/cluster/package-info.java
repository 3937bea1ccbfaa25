/**
 * How a pod finds the others: {@link dev.concord.cluster.RingWatcher} keeps the current ring of a
 * role from the registry's WatchRing stream, {@link dev.concord.cluster.Channels} keeps one gRPC
 * channel per peer address, and {@link dev.concord.cluster.Roles} converts between the wire and
 * the ring.
 */
@NullMarked
package dev.concord.cluster;

import org.jspecify.annotations.NullMarked;
