package dev.concord.gateway.ws;

import dev.concord.protocol.CloseCode;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Graceful shutdown of a gateway pod without losing sessions: before the web server stops, every
 * connection gets op 7 RECONNECT (so does any connection that arrives meanwhile); clients close
 * and RESUME on another gateway, and their sessions (which live on session pods) replay whatever
 * they missed. After {@code drainTimeout} the remaining sockets are closed with 4000 (resumable).
 */
public final class GatewayDrain implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(GatewayDrain.class);

  private final GatewayWebSocketHandler handler;
  private final Duration drainTimeout;
  private volatile boolean running;

  public GatewayDrain(GatewayWebSocketHandler handler, Duration drainTimeout) {
    this.handler = handler;
    this.drainTimeout = drainTimeout;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    drain();
  }

  @Override
  public void stop(Runnable callback) {
    Thread.ofPlatform()
        .name("gateway-drain")
        .start(
            () -> {
              try {
                drain();
              } finally {
                callback.run();
              }
            });
  }

  private void drain() {
    if (!running) {
      return;
    }
    handler.startDraining();
    int total = handler.openConnections();
    log.info("draining {} connections (op 7 RECONNECT, up to {})", total, drainTimeout);
    handler.connections().forEach(ClientConnection::requestReconnect);
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    while (handler.openConnections() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int left = handler.openConnections();
    if (left > 0) {
      log.info("{} connections still open after the drain; closing them (resumable)", left);
      handler.connections().forEach(c -> c.closeWith(CloseCode.UNKNOWN_ERROR.code(), "gateway shutting down; resume"));
    }
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Stops first: before the web server's graceful shutdown (phase MAX - 1024) would wait on open sockets. */
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 100;
  }
}
