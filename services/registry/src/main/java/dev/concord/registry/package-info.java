/**
 * The registry service: cluster membership and the versioned consistent-hash ring of each role,
 * streamed to every pod. Start with {@link dev.concord.registry.membership.Membership} and the
 * membership sources beside it (leases, static configuration, Kubernetes endpoints); the gRPC edge
 * is {@link dev.concord.registry.grpc.RegistryGrpcService}.
 *
 * <p>Spring Cloud Kubernetes is an optional dependency: it is in the registry's own jar and image,
 * and its auto-configuration runs only with {@code concord.registry.source: kubernetes} (see
 * {@link dev.concord.registry.config.KubernetesAutoConfigurationGate}); JVMs that embed the
 * registry (the dev suite) do not carry it.
 */
@NullMarked
package dev.concord.registry;

import org.jspecify.annotations.NullMarked;
