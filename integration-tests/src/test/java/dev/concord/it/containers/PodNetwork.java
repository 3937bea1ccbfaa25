package dev.concord.it.containers;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real network namespaces for a test that cuts one pod off from the cluster (issue 17), with
 * iproute2 and nsenter (as root, or through passwordless sudo, as the scripts that start the
 * Docker engine). The other pods keep the host's network and listen and advertise on
 * {@link #CLUSTER}, an address added to the host's loopback. The isolated pod runs in a namespace of
 * its own ({@code --network none}) joined to the host by a veth pair, with two addresses:
 *
 * <ul>
 *   <li>{@link #POD}: where the cluster reaches it and it reaches the cluster (it advertises it);
 *   <li>{@link #POD_SIDE}: its side of a partition: the store (through {@link TcpRelay} at
 *       {@link #HOST_END}) and the test's own client reach it there.
 * </ul>
 *
 * <p>{@link #partition()} cuts only the cluster path, both ways: a blackhole route to the cluster in
 * the pod's namespace and one to {@link #POD} on the host. Nothing is reset: packets vanish, as in
 * a real partition, while the pod keeps running, keeps its store and takes calls from its side:
 * the case where a stale owner could write behind a new one. {@link #heal()} takes both routes
 * away. The veth pair goes with the container's namespace; {@link #close()} removes the rest.
 */
final class PodNetwork implements AutoCloseable {
  static final String CLUSTER = "10.77.0.3";
  static final String HOST_END = "10.77.1.1";
  static final String POD = "10.77.1.2";
  static final String POD_SIDE = "10.77.1.4";
  /** The veth subnet: only its addresses reach the store relay. */
  private static final String SUBNET_PREFIX = "10.77.1.";
  private static final String HOST_LINK = "concord-h1";
  private static final String POD_LINK = "concord-p1";
  private static final long COMMAND_SECONDS = 10;
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  private final TcpRelay store;
  private volatile long pid;

  private PodNetwork(TcpRelay store) {
    this.store = store;
  }

  /** Adds {@link #CLUSTER} to loopback (after removing what a crashed run may have left) and starts the store relay. */
  static PodNetwork create(String jdbcUrl) {
    quietly("ip", "route", "del", "blackhole", POD + "/32");
    quietly("ip", "link", "del", HOST_LINK);
    quietly("ip", "addr", "del", CLUSTER + "/32", "dev", "lo");
    URI db = URI.create(jdbcUrl.substring("jdbc:".length()));
    TcpRelay store = TcpRelay.start(SUBNET_PREFIX, db.getHost(), db.getPort());
    try {
      run("ip", "addr", "add", CLUSTER + "/32", "dev", "lo");
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return new PodNetwork(store);
  }

  /** The JDBC URL the isolated pod reaches the store at: the relay, on the host end of its veth. */
  String podJdbcUrl(String jdbcUrl) {
    URI db = URI.create(jdbcUrl.substring("jdbc:".length()));
    return jdbcUrl.replace(db.getHost() + ":" + db.getPort(), HOST_END + ":" + store.port());
  }

  /**
   * Wires the namespace of the container whose PID this is to the host. Store traffic leaves from
   * {@link #POD_SIDE}, cluster traffic from {@link #POD}.
   */
  void plumb(long containerPid) {
    pid = containerPid;
    run("ip", "link", "add", HOST_LINK, "type", "veth", "peer", "name", POD_LINK);
    run("ip", "link", "set", POD_LINK, "netns", Long.toString(pid));
    run("ip", "addr", "add", HOST_END + "/24", "dev", HOST_LINK);
    run("ip", "link", "set", HOST_LINK, "up");
    inPod("ip", "link", "set", "lo", "up");
    inPod("ip", "addr", "add", POD + "/24", "dev", POD_LINK);
    inPod("ip", "addr", "add", POD_SIDE + "/24", "dev", POD_LINK);
    inPod("ip", "link", "set", POD_LINK, "up");
    inPod("ip", "route", "add", CLUSTER + "/32", "dev", POD_LINK, "src", POD);
    inPod("ip", "route", "add", HOST_END + "/32", "dev", POD_LINK, "src", POD_SIDE);
  }

  /** Cuts the pod off from the cluster, both ways; its store and its side stay reachable. */
  void partition() {
    inPod("ip", "route", "replace", "blackhole", CLUSTER + "/32");
    run("ip", "route", "add", "blackhole", POD + "/32");
  }

  void heal() {
    inPod("ip", "route", "replace", CLUSTER + "/32", "dev", POD_LINK, "src", POD);
    run("ip", "route", "del", "blackhole", POD + "/32");
  }

  @Override
  public void close() {
    quietly("ip", "route", "del", "blackhole", POD + "/32");
    quietly("ip", "link", "del", HOST_LINK);
    quietly("ip", "addr", "del", CLUSTER + "/32", "dev", "lo");
    store.close();
  }

  private void inPod(String... command) {
    List<String> c = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid), "-n"));
    c.addAll(List.of(command));
    run(c.toArray(String[]::new));
  }

  private static void run(String... command) {
    String failure = exec(command);
    if (failure != null) {
      throw new IllegalStateException(String.join(" ", command) + ": " + failure);
    }
  }

  private static void quietly(String... command) {
    exec(command);
  }

  /** Runs a command to its end (bounded); null when it succeeded, else what it printed. */
  private static String exec(String... command) {
    try {
      List<String> c = new ArrayList<>(List.of(command));
      if (!ROOT) {
        c.addAll(0, List.of("sudo", "-n"));
      }
      Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
      if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "no answer in " + COMMAND_SECONDS + " s";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
