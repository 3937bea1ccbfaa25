package dev.concord.fanout;

import dev.concord.proto.guild.v1.GuildRelayGrpc;
import dev.concord.proto.guild.v1.OpenRelayRequest;
import dev.concord.proto.guild.v1.RelayBatch;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** The GuildRelay gRPC service: hands each session pod's relay stream to a {@link RelayHub}. */
public final class RelayService extends GuildRelayGrpc.GuildRelayImplBase {
  private final RelayHub hub;

  public RelayService(RelayHub hub) {
    this.hub = hub;
  }

  @Override
  public void openRelay(OpenRelayRequest req, StreamObserver<RelayBatch> out) {
    if (req.getSessionPodId().isEmpty() || req.getSessionPodId().length() > 253) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("session_pod_id is required (1..253 chars)").asRuntimeException());
      return;
    }
    hub.attach(req.getSessionPodId(), (ServerCallStreamObserver<RelayBatch>) out);
  }
}
