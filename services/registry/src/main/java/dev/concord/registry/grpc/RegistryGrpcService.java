package dev.concord.registry.grpc;

import dev.concord.cluster.Roles;
import dev.concord.proto.common.v1.Role;
import dev.concord.proto.registry.v1.GetMembershipRequest;
import dev.concord.proto.registry.v1.LocateRequest;
import dev.concord.proto.registry.v1.LocateResponse;
import dev.concord.proto.registry.v1.RegistryGrpc;
import dev.concord.proto.registry.v1.WatchRingRequest;
import dev.concord.registry.membership.Membership;
import dev.concord.ring.RingSnapshot;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.BiConsumer;
import org.springframework.stereotype.Service;

/**
 * The Registry gRPC API. Lease is not served yet: membership is static (from configuration), so
 * Lease answers UNIMPLEMENTED until the lease source lands.
 */
@Service
final class RegistryGrpcService extends RegistryGrpc.RegistryImplBase {
  private final Membership membership;

  RegistryGrpcService(Membership membership) {
    this.membership = membership;
  }

  @Override
  public void watchRing(
      WatchRingRequest request, StreamObserver<dev.concord.proto.registry.v1.RingSnapshot> out) {
    Role role;
    try {
      role = checkRole(request.getRole());
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    ServerCallStreamObserver<dev.concord.proto.registry.v1.RingSnapshot> call =
        (ServerCallStreamObserver<dev.concord.proto.registry.v1.RingSnapshot>) out;
    Object lock = new Object();
    BiConsumer<Role, RingSnapshot> listener =
        (changed, snapshot) -> {
          if (changed == role) {
            synchronized (lock) {
              if (!call.isCancelled()) {
                call.onNext(toWire(role, snapshot));
              }
            }
          }
        };
    call.setOnCancelHandler(() -> membership.removeListener(listener));
    membership.addListener(listener);
    synchronized (lock) {
      call.onNext(toWire(role, membership.ring(role)));
    }
  }

  @Override
  public void locate(LocateRequest request, StreamObserver<LocateResponse> out) {
    try {
      Role role = checkRole(request.getRole());
      RingSnapshot ring = membership.ring(role);
      if (ring.isEmpty()) {
        out.onError(
            Status.UNAVAILABLE
                .withDescription("no live members of " + role + " (ring v" + ring.version() + ")")
                .asRuntimeException());
        return;
      }
      out.onNext(
          LocateResponse.newBuilder()
              .setOwner(Roles.toWire(ring.owner(request.getKey())))
              .setRingVersion(ring.version())
              .build());
      out.onCompleted();
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void getMembership(
      GetMembershipRequest request, StreamObserver<dev.concord.proto.registry.v1.Membership> out) {
    dev.concord.proto.registry.v1.Membership.Builder b =
        dev.concord.proto.registry.v1.Membership.newBuilder();
    if (request.getRole() == Role.ROLE_UNSPECIFIED) {
      for (Role role : Membership.servedRoles()) {
        b.addRings(toWire(role, membership.ring(role)));
      }
    } else {
      try {
        Role role = checkRole(request.getRole());
        b.addRings(toWire(role, membership.ring(role)));
      } catch (IllegalArgumentException e) {
        out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        return;
      }
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  private static Role checkRole(Role role) {
    if (!Membership.servedRoles().contains(role)) {
      throw new IllegalArgumentException(
          "role out of range: " + role + " (expected: one of " + Membership.servedRoles() + ")");
    }
    return role;
  }

  private static dev.concord.proto.registry.v1.RingSnapshot toWire(Role role, RingSnapshot ring) {
    dev.concord.proto.registry.v1.RingSnapshot.Builder b =
        dev.concord.proto.registry.v1.RingSnapshot.newBuilder()
            .setRole(role)
            .setVersion(ring.version())
            .setVirtualNodes(ring.virtualNodes());
    ring.members().forEach(m -> b.addMembers(Roles.toWire(m)));
    return b.build();
  }
}
