package dev.concord.it.containers;

import dev.concord.cluster.Channels;
import dev.concord.devsuite.DemoSeed;
import dev.concord.proto.common.v1.Role;
import dev.concord.proto.registry.v1.GetMembershipRequest;
import dev.concord.proto.registry.v1.LocateRequest;
import dev.concord.proto.registry.v1.Membership;
import dev.concord.proto.registry.v1.RegistryGrpc;
import dev.concord.protocol.TokenVerifier;
import dev.concord.testkit.Await;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.testcontainers.lifecycle.Startables;

/**
 * The whole backend as containers of the shipped images: one registry, presence and session pod,
 * and as many guild pods and gateways as a test asks for, each on its own free loopback ports
 * ({@link HostPorts}) given through the environment exactly as an operator would (relaxed binding of
 * {@code concord-<service>.yaml}).
 * The demo guild is seeded through the gRPC guild API once every pod holds its lease.
 *
 * <p>Guild pods get {@code SPRING_DATASOURCE_URL} from {@code CONCORD_TEST_JDBC_URL} when set
 * ({@code make test} sets it to the PostgreSQL of scripts/ensure-postgres.sh; host networking
 * reaches it on loopback); several guild pods need it, since they share their state through it.
 *
 * <p>Container output is kept in {@code target/containers/<test>/<pod>.log}.
 */
final class ContainerCluster implements AutoCloseable {
  static final Duration SEED_TIMEOUT = Duration.ofSeconds(60);
  /** With a {@link PodNetwork}: the guild pod in a network namespace of its own. */
  static final int ISOLATED_GUILD = 1;

  final String secret;
  final Channels channels = new Channels();
  final ServiceContainer registry;
  final List<ServiceContainer> guilds = new ArrayList<>();
  final ServiceContainer presence;
  final ServiceContainer session;
  final List<ServiceContainer> gateways = new ArrayList<>();
  private final List<ServiceContainer> all = new ArrayList<>();
  private final List<String> gatewayUrls = new ArrayList<>();
  private final List<String> guildAddresses = new ArrayList<>();
  private final String registryAddress;
  private final Path logDir;
  private final @Nullable PodNetwork net;
  DemoSeed.Demo demo;

  private ContainerCluster(String testName, String secret, int guildCount, int gatewayCount, @Nullable PodNetwork net) {
    this.secret = secret;
    this.net = net;
    // with an isolated pod, the others listen and advertise where its namespace reaches them
    String host = net == null ? "127.0.0.1" : PodNetwork.CLUSTER;
    this.logDir = Path.of("target", "containers", testName);
    String jdbc = System.getenv("CONCORD_TEST_JDBC_URL");
    if (guildCount > 1 && (jdbc == null || jdbc.isBlank())) {
      // each pod's default store is its own in-memory database: nothing would survive a move
      throw new IllegalStateException("guild pods share their state through PostgreSQL: set CONCORD_TEST_JDBC_URL (make test does)");
    }

    registry = add(new ServiceContainer("registry", "registry"));
    registryAddress = host + ":" + registry.grpcPort();
    for (int i = 0; i < guildCount; i++) {
      ServiceContainer guild = add(new ServiceContainer("guild", "guild-" + i));
      boolean isolated = net != null && i == ISOLATED_GUILD;
      String address = (isolated ? PodNetwork.POD : host) + ":" + guild.grpcPort();
      guildAddresses.add(address);
      guild
          .withEnv("CONCORD_GUILD_POD_ID", "guild-" + i)
          .withEnv("CONCORD_GUILD_NODE", Integer.toString(i + 1))
          .withEnv("CONCORD_GUILD_ADVERTISE_ADDRESS", address)
          .withEnv("CONCORD_GUILD_REGISTRY_ADDRESS", registryAddress);
      if (isolated) {
        guild.inOwnNetwork(net::plumb).withEnv("SPRING_DATASOURCE_URL", net.podJdbcUrl(jdbc));
      } else if (jdbc != null && !jdbc.isBlank()) {
        guild.withEnv("SPRING_DATASOURCE_URL", jdbc);
      }
      guilds.add(guild);
    }
    ServiceContainer presencePod = add(new ServiceContainer("presence", "presence-0"));
    presence =
        presencePod
            .withEnv("CONCORD_PRESENCE_POD_ID", "presence-0")
            .withEnv("CONCORD_PRESENCE_ADVERTISE_ADDRESS", host + ":" + presencePod.grpcPort())
            .withEnv("CONCORD_PRESENCE_REGISTRY_ADDRESS", registryAddress);
    ServiceContainer sessionPod = add(new ServiceContainer("session", "session-0"));
    session =
        sessionPod
            .withEnv("CONCORD_SESSION_POD_ID", "session-0")
            .withEnv("CONCORD_SESSION_ADVERTISE_ADDRESS", host + ":" + sessionPod.grpcPort())
            .withEnv("CONCORD_SESSION_REGISTRY_ADDRESS", registryAddress);
    for (int i = 0; i < gatewayCount; i++) {
      ServiceContainer gateway = add(new ServiceContainer("gateway", "gateway-" + i)).withManagementPort(HostPorts.take());
      String url = "ws://127.0.0.1:" + gateway.httpPort();
      gatewayUrls.add(url);
      gateways.add(
          gateway
              .withEnv("CONCORD_GATEWAY_POD_ID", "gateway-" + i)
              .withEnv("CONCORD_GATEWAY_ADVERTISE_ADDRESS", host + ":" + gateway.grpcPort())
              .withEnv("CONCORD_GATEWAY_PUBLIC_URL", url)
              .withEnv("CONCORD_GATEWAY_TOKEN_SECRET", secret)
              .withEnv("CONCORD_GATEWAY_REGISTRY_ADDRESS", registryAddress));
    }
  }

  private ServiceContainer add(ServiceContainer c) {
    all.add(c);
    return c.withPorts(HostPorts.take(), HostPorts.take());
  }

  /**
   * Starts the registry, then every other pod at once, waits until each holds its lease on its
   * role's ring and seeds the demo guild.
   */
  static ContainerCluster start(String testName, String secret, int guildPods, int gateways) {
    return start(testName, secret, guildPods, gateways, null);
  }

  /** As {@link #start(String, String, int, int)}, with guild pod {@link #ISOLATED_GUILD} in its own namespace of {@code net}. */
  static ContainerCluster start(String testName, String secret, int guildPods, int gateways, @Nullable PodNetwork net) {
    ContainerCluster cluster = new ContainerCluster(testName, secret, guildPods, gateways, net);
    try {
      cluster.registry.start();
      Startables.deepStart(cluster.all.subList(1, cluster.all.size())).join();
      cluster.awaitMembership(guildPods, gateways);
      cluster.demo = DemoSeed.seed(cluster.guildChannel(0), new TokenVerifier(secret), Duration.ofHours(1), SEED_TIMEOUT);
      return cluster;
    } catch (RuntimeException | InterruptedException e) {
      cluster.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("the container cluster did not come up; logs in " + cluster.logDir, e);
    }
  }

  private void awaitMembership(int guildCount, int gatewayCount) throws InterruptedException {
    Await.until(
        () -> {
          Membership m = membership();
          return members(m, Role.ROLE_GUILD) == guildCount
              && members(m, Role.ROLE_PRESENCE) == 1
              && members(m, Role.ROLE_SESSION) == 1
              && members(m, Role.ROLE_GATEWAY) == gatewayCount;
        },
        Duration.ofSeconds(60),
        "every pod holds its lease on the registry");
  }

  /** Every role's ring as the registry has it now. */
  Membership membership() {
    return RegistryGrpc.newBlockingStub(channels.forAddress(registryAddress))
        .withDeadlineAfter(2, TimeUnit.SECONDS)
        .getMembership(GetMembershipRequest.getDefaultInstance());
  }

  /** The pod id that owns {@code key} on {@code role}'s ring now. */
  String owner(Role role, long key) {
    return RegistryGrpc.newBlockingStub(channels.forAddress(registryAddress))
        .withDeadlineAfter(2, TimeUnit.SECONDS)
        .locate(LocateRequest.newBuilder().setRole(role).setKey(key).build())
        .getOwner()
        .getPodId();
  }

  static int members(Membership m, Role role) {
    return m.getRingsList().stream().filter(r -> r.getRole() == role).mapToInt(r -> r.getMembersCount()).sum();
  }

  /** A channel to guild pod {@code i} (any pod forwards guild API calls to the guild's owner). */
  ManagedChannel guildChannel(int i) {
    return channels.forAddress(guildAddresses.get(i));
  }

  /**
   * A channel to the isolated guild pod at its own side's address, which a partition leaves
   * reachable from the test (a backend on the pod's side of the cut).
   */
  ManagedChannel isolatedGuildChannel() {
    if (net == null) {
      throw new IllegalStateException("no pod is isolated");
    }
    return channels.forAddress(PodNetwork.POD_SIDE + ":" + guilds.get(ISOLATED_GUILD).grpcPort());
  }

  /** The public URL of gateway {@code i} (no query), as READY's resume_gateway_url names it. */
  String gatewayBaseUrl(int i) {
    return gatewayUrls.get(i);
  }

  /** The Gateway v10 JSON URL of gateway {@code i}. */
  String gatewayUrl(int i) {
    return gatewayUrls.get(i) + "/?v=10&encoding=json";
  }

  List<ServiceContainer> containers() {
    return List.copyOf(all);
  }

  /** Saves every container's output, then removes the containers (gateways first). */
  @Override
  public void close() {
    channels.close();
    for (int i = all.size() - 1; i >= 0; i--) {
      ServiceContainer c = all.get(i);
      if (c.getContainerId() != null) {
        c.saveLogs(logDir);
      }
      c.stop();
    }
  }
}
