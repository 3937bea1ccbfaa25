package dev.concord.presence.grpc;

import com.google.protobuf.ByteString;
import dev.concord.presence.core.GuildPublisher;
import dev.concord.presence.core.PresenceBook;
import dev.concord.proto.presence.v1.EndSessionRequest;
import dev.concord.proto.presence.v1.EndSessionResponse;
import dev.concord.proto.presence.v1.GetPresencesRequest;
import dev.concord.proto.presence.v1.GetPresencesResponse;
import dev.concord.proto.presence.v1.PresenceGrpc;
import dev.concord.proto.presence.v1.UpdatePresenceRequest;
import dev.concord.proto.presence.v1.UpdatePresenceResponse;
import dev.concord.proto.presence.v1.UpdatePresencesRequest;
import dev.concord.proto.presence.v1.UpdatePresencesResponse;
import dev.concord.proto.presence.v1.UserPresence;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Service
final class PresenceGrpcService extends PresenceGrpc.PresenceImplBase {
  private static final int MAX_ACTIVITIES_BYTES = 4096;
  private static final int MAX_GUILDS = 1000;
  /** Random per instance: tells sessions that this presence service restarted and lost its state. */
  private final long incarnation = new java.security.SecureRandom().nextLong();

  private final PresenceBook book;
  private final GuildPublisher publisher;
  private final JsonMapper json = JsonMapper.builder().build();

  PresenceGrpcService(PresenceBook book, GuildPublisher publisher) {
    this.book = book;
    this.publisher = publisher;
  }

  /** At most this many updates per UpdatePresences. */
  static final int MAX_UPDATES_PER_CALL = 1000;

  @Override
  public void updatePresence(UpdatePresenceRequest req, StreamObserver<UpdatePresenceResponse> out) {
    UpdatePresenceResponse r = apply(req);
    if (!r.getError().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(r.getError()).asRuntimeException());
      return;
    }
    out.onNext(r);
    out.onCompleted();
  }

  @Override
  public void updatePresences(UpdatePresencesRequest req, StreamObserver<UpdatePresencesResponse> out) {
    if (req.getUpdatesCount() > MAX_UPDATES_PER_CALL) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_UPDATES_PER_CALL + " updates").asRuntimeException());
      return;
    }
    UpdatePresencesResponse.Builder b = UpdatePresencesResponse.newBuilder();
    for (UpdatePresenceRequest u : req.getUpdatesList()) {
      b.addResponses(apply(u));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  /** Validates and applies one update; a refused one answers with {@code error} set. */
  private UpdatePresenceResponse apply(UpdatePresenceRequest req) {
    if (!PresenceBook.isValidStatus(req.getStatus())) {
      return refused("status out of range: " + req.getStatus() + " (expected: online, idle, dnd, invisible, offline)");
    }
    if (req.getSessionId().isEmpty() || req.getGuildIdsCount() > MAX_GUILDS) {
      return refused("session_id required; at most " + MAX_GUILDS + " guilds");
    }
    String activities = "[]";
    if (!req.getActivitiesJson().isEmpty()) {
      if (req.getActivitiesJson().size() > MAX_ACTIVITIES_BYTES) {
        return refused("activities too large (expected: <= " + MAX_ACTIVITIES_BYTES + " bytes)");
      }
      try {
        JsonNode node = json.readTree(req.getActivitiesJson().toByteArray());
        if (!node.isArray()) {
          throw new IllegalArgumentException();
        }
        activities = json.writeValueAsString(node);
      } catch (JacksonException | IllegalArgumentException e) {
        return refused("activities must be a JSON array");
      }
    }
    String platform = switch (req.getPlatform()) {
      case "mobile", "web" -> req.getPlatform();
      default -> "desktop";
    };
    PresenceBook.Change change =
        book.update(req.getUserId(), req.getSessionId(), new PresenceBook.SessionPresence(req.getStatus(), platform, activities));
    if (change.changedPresenceJson().isPresent()) {
      publishDetached(req.getUserId(), change.changedPresenceJson().get(), req.getGuildIdsList());
    } else if (req.getAnnounceGuildIdsCount() > 0 && req.getAnnounceGuildIdsCount() <= MAX_GUILDS) {
      publishDetached(req.getUserId(), book.current(req.getUserId()), req.getAnnounceGuildIdsList());
    }
    return UpdatePresenceResponse.newBuilder().setStatus(change.status()).setIncarnation(incarnation).build();
  }

  private UpdatePresenceResponse refused(String why) {
    return UpdatePresenceResponse.newBuilder().setIncarnation(incarnation).setError(why).build();
  }

  /**
   * Publications outlive this call: run them in the root context, or they would be cancelled
   * with it as soon as this call completes.
   */
  private void publishDetached(long userId, byte[] presence, java.util.List<Long> guildIds) {
    io.grpc.Context.ROOT.run(() -> publisher.publish(userId, presence, guildIds));
  }

  @Override
  public void endSession(EndSessionRequest req, StreamObserver<EndSessionResponse> out) {
    PresenceBook.Change change = book.end(req.getUserId(), req.getSessionId());
    change.changedPresenceJson().ifPresent(p -> publishDetached(req.getUserId(), p, req.getGuildIdsList()));
    out.onNext(EndSessionResponse.newBuilder().setStatus(change.status()).build());
    out.onCompleted();
  }

  @Override
  public void getPresences(GetPresencesRequest req, StreamObserver<GetPresencesResponse> out) {
    if (req.getUserIdsCount() > MAX_GUILDS) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_GUILDS + " user ids").asRuntimeException());
      return;
    }
    GetPresencesResponse.Builder b = GetPresencesResponse.newBuilder();
    for (long id : req.getUserIdsList()) {
      byte[] p = book.current(id);
      b.addPresences(
          UserPresence.newBuilder()
              .setUserId(id)
              .setStatus(json.readTree(p).path("status").asString())
              .setPresenceJson(ByteString.copyFrom(p)));
    }
    out.onNext(b.build());
    out.onCompleted();
  }
}
