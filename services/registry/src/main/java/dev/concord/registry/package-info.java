/**
 * The registry service: cluster membership and the versioned consistent-hash ring of each role,
 * streamed to every pod. Start with {@link dev.concord.registry.membership.Membership}; the gRPC
 * edge is {@link dev.concord.registry.grpc.RegistryGrpcService}.
 */
@NullMarked
package dev.concord.registry;

import org.jspecify.annotations.NullMarked;
