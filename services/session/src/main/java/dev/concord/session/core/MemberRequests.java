package dev.concord.session.core;

import com.google.protobuf.ByteString;
import dev.concord.proto.guild.v1.RequestMembersRequest;
import dev.concord.protocol.CloseCode;
import dev.concord.protocol.Intents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Gateway op 8, REQUEST_GUILD_MEMBERS: asks the guild's owner pod for the matching members and
 * dispatches its GUILD_MEMBERS_CHUNK events to the session, in order, each with the session's next
 * {@code s}.
 *
 * <p>Rules (Discord's): all members ({@code query ""}, {@code limit 0}) need the GUILD_MEMBERS
 * intent and presences need GUILD_PRESENCES, else close 4013; {@code guild_id} must be a guild of
 * the session (others are ignored); {@code guild_id} may be a string or a number (JDA sends a
 * number). At most {@link #MAX_IN_FLIGHT} requests per session wait for answers; one more closes
 * the socket with 4008 (rate limited, resumable).
 *
 * <p>Concurrency: state is the session's, touched only on its worker.
 */
final class MemberRequests {
  private static final Logger log = LoggerFactory.getLogger(MemberRequests.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  static final int MAX_IN_FLIGHT = 32;

  private final SessionManager manager;

  MemberRequests(SessionManager manager) {
    this.manager = manager;
  }

  void handle(Session s, byte[] frame) {
    manager.onWorker(
        s,
        () -> {
          if (s.ended) {
            return;
          }
          RequestMembersRequest req;
          try {
            req = parse(JSON.readTree(frame).path("d"));
          } catch (JacksonException | IllegalArgumentException e) {
            SessionManager.closeIfAttached(s, CloseCode.DECODE_ERROR.code(), "invalid request guild members: " + e.getMessage());
            return;
          }
          boolean all = req.getQuery().isEmpty() && req.getLimit() == 0 && req.getUserIdsCount() == 0;
          if (all && !Intents.permits(s.intents, Intents.GUILD_MEMBERS)
              || req.getPresences() && !Intents.permits(s.intents, Intents.GUILD_PRESENCES)) {
            SessionManager.closeIfAttached(s, CloseCode.INVALID_INTENTS.code(), "request guild members needs the GUILD_MEMBERS (and for presences GUILD_PRESENCES) intent");
            return;
          }
          if (!s.guilds.containsKey(req.getGuildId())) {
            log.debug("session {} asked for members of guild {} it is not in", s.id, Long.toUnsignedString(req.getGuildId()));
            return;
          }
          if (s.memberRequestsInFlight >= MAX_IN_FLIGHT) {
            SessionManager.closeIfAttached(s, CloseCode.RATE_LIMITED.code(), "too many member requests in flight");
            return;
          }
          s.memberRequestsInFlight++;
          manager
              .guildPort()
              .requestMembers(req)
              .whenComplete(
                  (chunks, error) ->
                      manager.onWorker(
                          s,
                          () -> {
                            s.memberRequestsInFlight--;
                            if (s.ended) {
                              return;
                            }
                            if (error != null) {
                              log.info("member request for guild {} failed: {}", Long.toUnsignedString(req.getGuildId()), error.toString());
                              return;
                            }
                            for (ByteString chunk : chunks) {
                              manager.dispatch(s, "GUILD_MEMBERS_CHUNK", chunk);
                            }
                          }));
        });
  }

  static RequestMembersRequest parse(JsonNode d) {
    if (!d.isObject()) {
      throw new IllegalArgumentException("d must be an object");
    }
    RequestMembersRequest.Builder b = RequestMembersRequest.newBuilder();
    JsonNode guild = d.get("guild_id");
    if (guild != null && guild.isArray()) {
      if (guild.size() != 1) {
        throw new IllegalArgumentException("guild_id: one guild per request (expected: 1, got " + guild.size() + ")");
      }
      guild = guild.get(0);
    }
    b.setGuildId(snowflake(guild, "guild_id"));
    JsonNode query = d.get("query");
    if (query != null && !query.isNull()) {
      if (!query.isString() || query.asString().length() > 100) {
        throw new IllegalArgumentException("query must be a string of at most 100 chars");
      }
      b.setQuery(query.asString());
    }
    JsonNode ids = d.get("user_ids");
    if (ids != null && !ids.isNull()) {
      if (ids.isArray()) {
        if (ids.size() > 100) {
          throw new IllegalArgumentException("user_ids: at most 100 (got " + ids.size() + ")");
        }
        for (JsonNode id : ids) {
          b.addUserIds(snowflake(id, "user_ids"));
        }
      } else {
        b.addUserIds(snowflake(ids, "user_ids"));
      }
    }
    if (b.getUserIdsCount() == 0 && (query == null || query.isNull())) {
      throw new IllegalArgumentException("query or user_ids is required");
    }
    JsonNode limit = d.get("limit");
    if (limit != null && !limit.isNull()) {
      if (!limit.isIntegralNumber() || limit.asInt() < 0 || limit.asInt() > 1_000_000) {
        throw new IllegalArgumentException("limit must be a non-negative integer");
      }
      b.setLimit(limit.asInt());
    }
    if (!b.getQuery().isEmpty() && b.getLimit() > 100) {
      b.setLimit(100);
    }
    b.setPresences(d.path("presences").asBoolean(false));
    JsonNode nonce = d.get("nonce");
    if (nonce != null && !nonce.isNull()) {
      String n = nonce.asString("");
      if (n.length() > 32) {
        throw new IllegalArgumentException("nonce: at most 32 chars");
      }
      b.setNonce(n);
    }
    return b.build();
  }

  private static long snowflake(JsonNode n, String field) {
    if (n == null || !(n.isString() || n.isIntegralNumber())) {
      throw new IllegalArgumentException(field + " must be a snowflake");
    }
    try {
      return Long.parseUnsignedLong(n.asString());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + " must be a snowflake");
    }
  }
}
