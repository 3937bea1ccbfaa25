package dev.concord.guild.grpc;

import dev.concord.guild.fanout.RelayHub;
import dev.concord.proto.guild.v1.GuildRelayGrpc;
import dev.concord.proto.guild.v1.OpenRelayRequest;
import dev.concord.proto.guild.v1.RelayBatch;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/** Accepts each session pod's relay stream and hands it to the {@link RelayHub}. */
@Service
final class GuildRelayGrpcService extends GuildRelayGrpc.GuildRelayImplBase {
  private final RelayHub hub;

  GuildRelayGrpcService(RelayHub hub) {
    this.hub = hub;
  }

  @Override
  public void openRelay(OpenRelayRequest req, StreamObserver<RelayBatch> out) {
    if (req.getSessionPodId().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("session_pod_id is required").asRuntimeException());
      return;
    }
    hub.attach(req.getSessionPodId(), (ServerCallStreamObserver<RelayBatch>) out);
  }
}
