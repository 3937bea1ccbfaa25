package dev.concord.guild.grpc;

import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.guild.core.MemberJoins;
import dev.concord.proto.session.v1.GuildJoinedRequest;
import dev.concord.proto.session.v1.GuildJoinedResponse;
import dev.concord.proto.session.v1.SessionAdminGrpc;
import dev.concord.ring.RingSnapshot;
import dev.concord.streams.Unary;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the session pod that owns a user (the session ring; all of a user's sessions live there)
 * that the user joined a guild: its sessions join the guild and get GUILD_CREATE, as Discord sends
 * when a bot is added or a person joins. One unary call per membership, with a deadline; a failure
 * is logged and left (the user's next IDENTIFY subscribes to the guild anyway).
 *
 * <p>Bounded: at most {@value #MAX_IN_FLIGHT} calls at once; a membership beyond that (a backend
 * adding thousands of members at once) is not announced to open sessions, only counted and logged.
 */
public final class SessionNotifier implements MemberJoins {
  private static final Logger log = LoggerFactory.getLogger(SessionNotifier.class);

  private final RingWatcher sessionRing;
  private final Channels channels;
  private final Duration timeout;
  static final int MAX_IN_FLIGHT = 64;
  private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(MAX_IN_FLIGHT);
  private final java.util.concurrent.atomic.AtomicLong skipped = new java.util.concurrent.atomic.AtomicLong();

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
    if (!inFlight.tryAcquire()) {
      long n = skipped.incrementAndGet();
      if (n % 1000 == 1) {
        log.warn("{} new memberships not announced to open sessions: {} announcements already in flight", n, MAX_IN_FLIGHT);
      }
      return;
    }
    try {
      send(ring.owner(userId).address(), userId, guildId);
    } catch (RuntimeException e) {
      inFlight.release();
      log.info("could not tell the session pods that user {} joined guild {}: {}", Long.toUnsignedString(userId), Long.toUnsignedString(guildId), e.toString());
    }
  }

  private void send(String address, long userId, long guildId) {
    Unary.<GuildJoinedResponse>call(
            o ->
                SessionAdminGrpc.newStub(channels.forAddress(address))
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .guildJoined(GuildJoinedRequest.newBuilder().setUserId(userId).setGuildId(guildId).build(), o))
        .whenComplete(
            (r, e) -> {
              inFlight.release();
              if (e != null) {
                log.info("could not tell {} that user {} joined guild {}: {}", address, Long.toUnsignedString(userId), Long.toUnsignedString(guildId), e.toString());
              }
            });
  }
}
