package dev.concord.registry.grpc;

import dev.concord.cluster.Roles;
import dev.concord.proto.common.v1.Role;
import dev.concord.proto.registry.v1.GetMembershipRequest;
import dev.concord.proto.registry.v1.LocateRequest;
import dev.concord.proto.registry.v1.LocateResponse;
import dev.concord.proto.registry.v1.RegistryGrpc;
import dev.concord.proto.registry.v1.WatchRingRequest;
import dev.concord.proto.common.v1.Member;
import dev.concord.proto.registry.v1.LeaseRequest;
import dev.concord.proto.registry.v1.LeaseResponse;
import dev.concord.registry.config.RegistryProperties;
import dev.concord.registry.membership.LeaseTable;
import dev.concord.registry.membership.Membership;
import dev.concord.ring.RingMember;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.concord.ring.RingSnapshot;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.BiConsumer;
import org.springframework.stereotype.Service;

/** The Registry gRPC API: leases, ring watches, lookups. */
@Service
final class RegistryGrpcService extends RegistryGrpc.RegistryImplBase {
  private static final Logger log = LoggerFactory.getLogger(RegistryGrpcService.class);

  private final Membership membership;
  private final LeaseTable leases;
  private final RegistryProperties props;

  RegistryGrpcService(Membership membership, LeaseTable leases, RegistryProperties props) {
    this.membership = membership;
    this.leases = leases;
    this.props = props;
  }

  @Override
  public StreamObserver<LeaseRequest> lease(StreamObserver<LeaseResponse> out) {
    // Static membership refuses leases; with Kubernetes they are kept but decide nothing (LeaseTable),
    // so pods run the same LeaseKeeper wherever they are deployed.
    if (props.source() == RegistryProperties.Source.STATIC) {
      out.onError(
          Status.FAILED_PRECONDITION
              .withDescription("this registry takes membership from configuration (source static), not leases")
              .asRuntimeException());
      return new StreamObserver<>() {
        @Override
        public void onNext(LeaseRequest value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
    return new LeaseStream((ServerCallStreamObserver<LeaseResponse>) out);
  }

  /** One pod's lease stream: join first, then heartbeats, then goodbye or the end of the stream. */
  private final class LeaseStream implements StreamObserver<LeaseRequest> {
    private final ServerCallStreamObserver<LeaseResponse> out;
    private final LeaseTable.Holder holder = new LeaseTable.Holder();
    private Role role = Role.ROLE_UNSPECIFIED;
    private String podId = "";
    private boolean done;

    LeaseStream(ServerCallStreamObserver<LeaseResponse> out) {
      this.out = out;
    }

    @Override
    public synchronized void onNext(LeaseRequest req) {
      if (done) {
        return;
      }
      switch (req.getKindCase()) {
        case JOIN -> {
          Member m = req.getJoin();
          try {
            Role r = checkRole(req.getRole());
            if (!podId.isEmpty() && !podId.equals(m.getPodId())) {
              throw new IllegalArgumentException("a lease stream holds one pod (" + podId + "), not " + m.getPodId());
            }
            if (m.getPodId().isEmpty() || m.getAddress().isEmpty() || m.getPodId().length() > 253) {
              throw new IllegalArgumentException("join needs pod_id (1..253 chars) and address");
            }
            RingMember member = new RingMember(m.getPodId(), m.getAddress(), Math.max(1, m.getWeight()));
            role = r;
            podId = m.getPodId();
            long version = leases.join(role, member, holder);
            log.info("lease granted: {} {} at {} (ring v{})", role, podId, m.getAddress(), version);
            answer(version);
          } catch (IllegalArgumentException e) {
            fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
          }
        }
        case HEARTBEAT -> {
          if (podId.isEmpty() || !leases.heartbeat(role, podId, holder)) {
            fail(Status.FAILED_PRECONDITION.withDescription("no lease held on this stream (join first, or it expired)"));
            return;
          }
          answer(membership.ring(role).version());
        }
        case GOODBYE -> {
          end("goodbye");
          done = true;
          out.onCompleted();
        }
        case KIND_NOT_SET -> fail(Status.INVALID_ARGUMENT.withDescription("empty lease request"));
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      end("stream broke: " + Status.fromThrowable(t).getCode());
      done = true;
    }

    @Override
    public synchronized void onCompleted() {
      end("stream completed");
      if (!done) {
        done = true;
        out.onCompleted();
      }
    }

    private void answer(long version) {
      out.onNext(
          LeaseResponse.newBuilder()
              .setHeartbeatIntervalMs((int) props.heartbeatInterval().toMillis())
              .setGraceMs((int) props.leaseGrace().toMillis())
              .setRingVersion(version)
              .build());
    }

    private void fail(Status status) {
      end(status.getDescription());
      done = true;
      out.onError(status.asRuntimeException());
    }

    private void end(String why) {
      if (!podId.isEmpty()) {
        leases.end(role, podId, holder);
        log.info("lease ended: {} {} ({})", role, podId, why);
      }
    }
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
