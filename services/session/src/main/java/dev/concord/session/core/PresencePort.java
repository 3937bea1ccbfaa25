package dev.concord.session.core;

import java.util.Collection;

/**
 * The session's view of the presence service. Fire-and-forget: a session never fails because
 * presence is unreachable.
 */
public interface PresencePort {
  void update(long userId, String sessionId, String status, String platform, String activitiesJson, Collection<Long> guildIds);

  /**
   * The session joined {@code joined} (one of {@code guildIds}): its presence is published there
   * even if nothing about it changed.
   */
  default void joined(long userId, String sessionId, String status, String platform, String activitiesJson, Collection<Long> guildIds, long joined) {
    update(userId, sessionId, status, platform, activitiesJson, guildIds);
  }

  void end(long userId, String sessionId, Collection<Long> guildIds);
}
