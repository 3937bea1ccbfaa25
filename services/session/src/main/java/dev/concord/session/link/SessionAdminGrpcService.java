package dev.concord.session.link;

import dev.concord.proto.session.v1.GuildJoinedRequest;
import dev.concord.proto.session.v1.GuildJoinedResponse;
import dev.concord.proto.session.v1.SessionAdminGrpc;
import dev.concord.session.core.SessionManager;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/** Calls from guild pods: a user joined a guild, so the user's sessions here join it too. */
@Service
final class SessionAdminGrpcService extends SessionAdminGrpc.SessionAdminImplBase {
  private final SessionManager manager;

  SessionAdminGrpcService(SessionManager manager) {
    this.manager = manager;
  }

  @Override
  public void guildJoined(GuildJoinedRequest req, StreamObserver<GuildJoinedResponse> out) {
    int sessions = manager.guildJoined(req.getUserId(), req.getGuildId());
    out.onNext(GuildJoinedResponse.newBuilder().setSessions(sessions).build());
    out.onCompleted();
  }
}
