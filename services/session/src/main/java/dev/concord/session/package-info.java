/**
 * The session service: one session per identified connection. It loads the user's guilds, joins
 * each on its owner pod, receives the guilds' events through relay streams, partitions recipients
 * onto per-core workers, filters per session, stamps each session's sequence numbers and sends
 * the frames to the gateway that holds the connection.
 *
 * <p>Start with {@link dev.concord.session.core.SessionManager}.
 */
@NullMarked
package dev.concord.session;

import org.jspecify.annotations.NullMarked;
