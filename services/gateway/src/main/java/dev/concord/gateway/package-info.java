/**
 * The gateway: the WebSocket edge speaking Discord Gateway v10 (JSON, optional zlib-stream), token
 * checks and client rate limits, and the REST subset under {@code /api/v10}. Every identified
 * connection is bridged to its session pod over one multiplexed link per session pod.
 *
 * <p>Start with {@link dev.concord.gateway.ws.ClientConnection} (the protocol state machine of one
 * socket) and {@link dev.concord.gateway.link.SessionLinks} (the links to session pods).
 */
@NullMarked
package dev.concord.gateway;

import org.jspecify.annotations.NullMarked;
