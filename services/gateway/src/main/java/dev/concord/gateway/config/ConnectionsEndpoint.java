package dev.concord.gateway.config;

import dev.concord.gateway.link.SessionLinks;
import dev.concord.gateway.ws.GatewayWebSocketHandler;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code GET /actuator/connections?top=N}: this gateway's open sockets, the N (default 20, at most
 * 1 000) with the most bytes written and not yet sent (the clients that read slowest), and each
 * link to a session pod (connections carried, items queued, broken). Reads without entering any
 * event loop; values are a moment's approximation.
 */
@Endpoint(id = "connections")
public class ConnectionsEndpoint {
  /** The pod's view. */
  public record View(int connections, List<GatewayWebSocketHandler.SocketView> slowestSockets, List<SessionLinks.LinkView> links) {}

  private final GatewayWebSocketHandler sockets;
  private final SessionLinks links;

  public ConnectionsEndpoint(GatewayWebSocketHandler sockets, SessionLinks links) {
    this.sockets = sockets;
    this.links = links;
  }

  @ReadOperation
  public View view(@Nullable Integer top) {
    return new View(sockets.openConnections(), sockets.slowest(Math.clamp(top == null ? 20 : top, 1, 1000)), links.views());
  }
}
