package dev.concord.guild.grpc;

import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.guild.core.MemberJoins;
import dev.concord.proto.session.v1.GuildJoinedRequest;
import dev.concord.proto.session.v1.GuildJoinedResponse;
import dev.concord.proto.session.v1.SessionAdminGrpc;
import dev.concord.ring.RingSnapshot;
import dev.concord.streams.PeerBatchers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the session pod that owns a user (the session ring; all of a user's sessions live there)
 * that the user joined a guild: its sessions join the guild and get GUILD_CREATE, as Discord sends
 * when a bot is added or a person joins. One unary call per membership, with a deadline; a failure
 * is logged and left (the user's next IDENTIFY subscribes to the guild anyway).
 */
public final class SessionNotifier implements MemberJoins {
  private static final Logger log = LoggerFactory.getLogger(SessionNotifier.class);

  private final RingWatcher sessionRing;
  private final Channels channels;
  private final Duration timeout;

  public SessionNotifier(RingWatcher sessionRing, Channels channels, Duration timeout) {
    this.sessionRing = sessionRing;
    this.channels = channels;
    this.timeout = timeout;
  }

  @Override
  public void joined(long userId, long guildId) {
    RingSnapshot ring = sessionRing.ring().current();
    if (ring.isEmpty()) {
      return; // no session pod: no open session to tell
    }
    String address = ring.owner(userId).address();
    PeerBatchers.<GuildJoinedResponse>unary(
            o ->
                SessionAdminGrpc.newStub(channels.forAddress(address))
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .guildJoined(GuildJoinedRequest.newBuilder().setUserId(userId).setGuildId(guildId).build(), o))
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                log.info("could not tell {} that user {} joined guild {}: {}", address, Long.toUnsignedString(userId), Long.toUnsignedString(guildId), e.toString());
              }
            });
  }
}
