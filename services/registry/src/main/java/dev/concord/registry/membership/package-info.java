/**
 * Membership sources and the rings built from them ({@code concord.registry.source}):
 *
 * <ul>
 *   <li>{@code lease} (default): {@link dev.concord.registry.membership.LeaseTable}; a pod is a
 *       member while it holds a lease over Registry.Lease (join, heartbeat, goodbye).
 *   <li>{@code static}: members from configuration; leases are refused.
 *   <li>{@code kubernetes}: {@link dev.concord.registry.membership.EndpointsMembership}; the ready
 *       endpoints of each role's headless Service, watched through the Kubernetes API. Leases are
 *       still granted and answered (pods run the same {@code LeaseKeeper} everywhere) but decide
 *       nothing: readiness in Kubernetes alone makes a member.
 * </ul>
 *
 * <p>Every source publishes through {@link dev.concord.registry.membership.Membership}, whose ring
 * versions only move forward.
 */
@NullMarked
package dev.concord.registry.membership;

import org.jspecify.annotations.NullMarked;
