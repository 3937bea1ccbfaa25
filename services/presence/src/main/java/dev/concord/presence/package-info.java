/**
 * The presence service: aggregates each user's presence over all of the user's sessions and
 * publishes changes into the user's guilds. Start with {@link dev.concord.presence.core.PresenceBook}.
 */
@NullMarked
package dev.concord.presence;

import org.jspecify.annotations.NullMarked;
