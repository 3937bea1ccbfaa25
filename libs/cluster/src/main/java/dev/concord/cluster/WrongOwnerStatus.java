package dev.concord.cluster;

import dev.concord.proto.common.v1.Role;
import dev.concord.proto.common.v1.WrongOwner;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import java.util.Optional;

/**
 * The distinct answer of a pod that received a keyed call for a key its ring gives to another pod:
 * FAILED_PRECONDITION with a {@link WrongOwner} in the trailers, carrying the answering pod's ring
 * version and the owner it knows. The caller refreshes its ring to at least that version and
 * retries on the owner, a bounded number of times.
 */
public final class WrongOwnerStatus {
  public static final Metadata.Key<WrongOwner> KEY = ProtoUtils.keyForProto(WrongOwner.getDefaultInstance());

  /** Metadata header marking a call already forwarded once by ring (never forwarded again). */
  public static final Metadata.Key<String> FORWARDED =
      Metadata.Key.of("concord-forwarded", Metadata.ASCII_STRING_MARSHALLER);

  private WrongOwnerStatus() {}

  public static StatusRuntimeException of(Role role, long ringVersion, String ownerPodId, String message) {
    Metadata trailers = new Metadata();
    trailers.put(
        KEY, WrongOwner.newBuilder().setRole(role).setRingVersion(ringVersion).setOwnerPodId(ownerPodId).build());
    return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException(trailers);
  }

  /** The WrongOwner detail of a failed call, if that is why it failed. */
  public static Optional<WrongOwner> from(Throwable t) {
    Throwable c = t;
    while (c != null && !(c instanceof StatusRuntimeException)) {
      c = c.getCause();
    }
    if (c instanceof StatusRuntimeException s
        && s.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
        && s.getTrailers() != null) {
      return Optional.ofNullable(s.getTrailers().get(KEY));
    }
    return Optional.empty();
  }
}
