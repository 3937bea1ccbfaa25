package dev.concord.gateway.ws;

import dev.concord.cluster.RingWatcher;
import dev.concord.gateway.link.SessionLinks;
import dev.concord.proto.common.v1.Role;
import io.grpc.ManagedChannel;
import io.netty.channel.Channel;
import java.util.concurrent.ScheduledExecutorService;

/** Client connections for tests outside this package (no server, no session pod behind them). */
public final class TestConnections {
  private static final String SECRET = "unit-test-secret-0123456789abcdef0123";

  private TestConnections() {}

  /** A connection on {@code channel} that was never started: it writes what it is handed. */
  public static ClientConnection on(long id, Channel channel, ManagedChannel nowhere, ScheduledExecutorService scheduler) {
    SessionLinks links = new SessionLinks(new RingWatcher(Role.ROLE_SESSION, nowhere, scheduler), null, Runnable::run, 16, 16);
    return new ClientConnection(
        id,
        channel,
        TestGatewayProperties.of("gw-test", SECRET, 120),
        null,
        new SessionStartLimit(1000, java.time.Duration.ofDays(1), 1, 1000, java.time.Clock.systemUTC()),
        links,
        new WriteBudget(64L << 20),
        null);
  }
}
