package dev.concord.guild.grpc;

import com.google.protobuf.ByteString;
import dev.concord.guild.core.GuildHost;
import dev.concord.proto.guild.v1.GuildRegistryGrpc;
import dev.concord.proto.guild.v1.JoinRequest;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.LeaveRequest;
import dev.concord.proto.guild.v1.LeaveResponse;
import dev.concord.proto.guild.v1.PublishPresenceRequest;
import dev.concord.proto.guild.v1.PublishPresenceResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/** Session-facing guild calls: join, leave, and presence publication. */
@Service
public final class GuildRegistryGrpcService extends GuildRegistryGrpc.GuildRegistryImplBase {
  private final GuildHost host;

  public GuildRegistryGrpcService(GuildHost host) {
    this.host = host;
  }

  @Override
  public void join(JoinRequest req, StreamObserver<JoinResponse> out) {
    if (req.getSessionId().isEmpty() || req.getSessionPodId().isEmpty() || req.getSessionKey() == 0) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("session_id, session_key and session_pod_id are required")
              .asRuntimeException());
      return;
    }
    int threshold = req.getLargeThreshold() == 0 ? 50 : Math.clamp(req.getLargeThreshold(), 50, 250);
    Statuses.reply(
        out,
        () ->
            host.join(
                req.getGuildId(),
                req.getSessionId(),
                req.getSessionKey(),
                req.getUserId(),
                req.getSessionPodId(),
                req.getIntents(),
                threshold,
                req.getSinceMessageId(),
                Context.current().getDeadline()),
        r -> {
          JoinResponse.Builder b =
              JoinResponse.newBuilder()
                  .setSnapshotSeq(r.snapshotSeq())
                  .setGuildCreateJson(ByteString.copyFrom(r.guildCreateJson()))
                  .setSnapshotMessageId(r.snapshotMessageId());
          for (long c : r.hiddenChannelIds()) {
            b.addHiddenChannelIds(c);
          }
          for (byte[] m : r.catchUp()) {
            b.addCatchUpMessages(ByteString.copyFrom(m));
          }
          return b.build();
        });
  }

  @Override
  public void leave(LeaveRequest req, StreamObserver<LeaveResponse> out) {
    Statuses.reply(
        out, () -> host.leave(req.getGuildId(), req.getSessionId()), x -> LeaveResponse.getDefaultInstance());
  }

  @Override
  public void publishPresence(PublishPresenceRequest req, StreamObserver<PublishPresenceResponse> out) {
    Statuses.reply(
        out,
        () -> host.publishPresence(req.getGuildId(), req.getUserId(), req.getPresenceJson().toByteArray()),
        x -> PublishPresenceResponse.getDefaultInstance());
  }
}
