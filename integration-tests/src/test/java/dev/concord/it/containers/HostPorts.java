package dev.concord.it.containers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for services on the host network. Taken below the kernel's ephemeral range (32768 and up
 * on Linux): a port picked there by binding to port 0 may be handed to some outgoing connection
 * in the seconds before the container binds it, so a service would fail with "port in use". Here
 * only explicit binds compete; the start is random per JVM so concurrent runs rarely meet, and a
 * port is only handed out while nothing listens on it.
 */
final class HostPorts {
  private static final int FIRST = 20_000;
  private static final int END = 32_000;
  private static final AtomicInteger NEXT = new AtomicInteger(FIRST + ThreadLocalRandom.current().nextInt(END - FIRST));

  private HostPorts() {}

  /** A port nothing listens on now (on any local address), distinct from every earlier one. */
  static int take() {
    for (int tries = 0; tries < END - FIRST; tries++) {
      int port = NEXT.getAndUpdate(p -> p + 1 >= END ? FIRST : p + 1);
      if (isFree(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port in " + FIRST + ".." + (END - 1));
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(port)); // the wildcard address, as the services bind
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
