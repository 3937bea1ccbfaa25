package dev.concord.it.containers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on every host address to one loopback service: how a pod in a network namespace of
 * its own reaches the test PostgreSQL, which listens on the host's loopback only ({@link
 * PodNetwork}). It relays only for clients from {@code allowedPrefix} (the pods' veth subnet;
 * others are closed at once), at most {@link #MAX_CONNECTIONS} at once (a pod's connection pool
 * needs a handful; more are closed), one virtual thread per direction.
 */
final class TcpRelay implements AutoCloseable {
  static final int MAX_CONNECTIONS = 64;

  private final ServerSocket server;
  private final String allowedPrefix;
  private final java.util.concurrent.atomic.AtomicInteger relayed = new java.util.concurrent.atomic.AtomicInteger();
  private final String targetHost;
  private final int targetPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  private TcpRelay(ServerSocket server, String allowedPrefix, String targetHost, int targetPort) {
    this.server = server;
    this.allowedPrefix = allowedPrefix;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  /** Relays to {@code targetHost:targetPort} for clients whose address starts with {@code allowedPrefix}. */
  static TcpRelay start(String allowedPrefix, String targetHost, int targetPort) {
    try {
      ServerSocket server = new ServerSocket();
      server.bind(new InetSocketAddress(0));
      TcpRelay relay = new TcpRelay(server, allowedPrefix, targetHost, targetPort);
      Thread.ofVirtual().name("tcp-relay-accept").start(relay::acceptLoop);
      return relay;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException closed) {
        return;
      }
      String from = client.getInetAddress().getHostAddress();
      if (!from.startsWith(allowedPrefix)) {
        closeQuietly(client);
        continue;
      }
      if (relayed.incrementAndGet() > MAX_CONNECTIONS) {
        relayed.decrementAndGet();
        closeQuietly(client);
        continue;
      }
      Thread.ofVirtual().name("tcp-relay").start(() -> relay(client));
    }
  }

  private void relay(Socket client) {
    open.add(client);
    Socket target = new Socket();
    open.add(target);
    try {
      target.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
      Thread back = Thread.ofVirtual().name("tcp-relay-back").start(() -> copy(target, client));
      copy(client, target);
      back.join();
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(target);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(client);
      closeQuietly(target);
    } finally {
      relayed.decrementAndGet();
    }
  }

  /** Copies until either side ends, then closes both. */
  private void copy(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException ended) {
      // one side closed or reset: the other follows
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
