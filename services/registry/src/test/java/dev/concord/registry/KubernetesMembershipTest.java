package dev.concord.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concord.cluster.Channels;
import dev.concord.cluster.LeaseKeeper;
import dev.concord.cluster.RingWatcher;
import dev.concord.proto.common.v1.Role;
import dev.concord.proto.registry.v1.GetMembershipRequest;
import dev.concord.proto.registry.v1.LocateRequest;
import dev.concord.proto.registry.v1.RegistryGrpc;
import dev.concord.ring.RingMember;
import dev.concord.ring.RingSnapshot;
import dev.concord.testkit.Await;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The Kubernetes source end to end: an in-process Kubernetes API server (fabric8's mock server in
 * CRUD mode: list, watch, patch as the real one answers them), the registry's real Spring context
 * configured the way the Helm chart configures it (environment variables), its Kubernetes client
 * from Spring Cloud Kubernetes pointed at that server, and rings read over real gRPC on loopback.
 *
 * <p>Endpoint addresses are loopback addresses: nothing dials them, they are only ring data.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesMembershipTest {
  private static final String NAMESPACE = "test";

  KubernetesMockServer server;
  KubernetesClient client;

  private final List<ConfigurableApplicationContext> registries = new ArrayList<>();
  private final Channels channels = new Channels();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  @AfterEach
  void stop() {
    channels.close();
    scheduler.shutdownNow();
    registries.forEach(ConfigurableApplicationContext::close);
  }

  private static EndpointAddress pod(String name, String ip) {
    return new EndpointAddressBuilder().withIp(ip).withNewTargetRef().withKind("Pod").withName(name).endTargetRef().build();
  }

  private static Endpoints endpoints(String service, int grpcPort, List<EndpointAddress> ready, List<EndpointAddress> notReady) {
    return new EndpointsBuilder()
        .withNewMetadata().withName(service).withNamespace(NAMESPACE).endMetadata()
        .addNewSubset()
        .addNewPort().withName("grpc").withPort(grpcPort).endPort()
        .addNewPort().withName("management").withPort(grpcPort + 1000).endPort()
        .withAddresses(ready)
        .withNotReadyAddresses(notReady)
        .endSubset()
        .build();
  }

  private Endpoints create(Endpoints e) {
    return client.endpoints().inNamespace(NAMESPACE).resource(e).create();
  }

  /**
   * Starts a registry as the chart does: the contract's settings as environment variables; the
   * client settings as on a developer's machine that talks to a cluster (here: the mock server).
   */
  private String startRegistry(Map<String, String> env, String... extraArgs) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    StandardEnvironment environment = new StandardEnvironment();
    Map<String, Object> vars = new HashMap<>(environment.getSystemEnvironment());
    vars.putAll(env);
    environment
        .getPropertySources()
        .replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, vars));
    List<String> args = new ArrayList<>();
    args.add("--spring.grpc.server.port=" + port);
    args.add("--server.port=0");
    args.add("--spring.cloud.kubernetes.client.master-url=" + client.getMasterUrl());
    args.add("--spring.cloud.kubernetes.client.namespace=" + NAMESPACE);
    args.add("--spring.cloud.kubernetes.client.trust-certs=true");
    args.addAll(Arrays.asList(extraArgs));
    registries.add(RegistryApplication.builder().environment(environment).run(args.toArray(String[]::new)));
    return "127.0.0.1:" + port;
  }

  /** A registry with source kubernetes, watching the guild and session Services. */
  private String startKubernetesRegistry() throws Exception {
    return startRegistry(
        Map.of(
            "CONCORD_REGISTRY_SOURCE", "kubernetes",
            "CONCORD_REGISTRY_KUBERNETES_SERVICES_GUILD", "concord-guild",
            "CONCORD_REGISTRY_KUBERNETES_SERVICES_SESSION", "concord-session"),
        // what KUBERNETES_SERVICE_HOST tells Spring Boot inside a pod
        "--spring.main.cloud-platform=kubernetes");
  }

  private static void await(RingWatcher w, Predicate<RingSnapshot> cond) throws InterruptedException {
    Await.until(() -> cond.test(w.ring().current()), Duration.ofSeconds(10), "ring condition; last: " + w.ring().current());
  }

  private static boolean hasMembers(RingSnapshot r, String... ids) {
    return r.members().stream().map(RingMember::id).sorted().toList().equals(Arrays.stream(ids).sorted().toList());
  }

  private static long resourceVersion(Endpoints e) {
    return Long.parseLong(e.getMetadata().getResourceVersion());
  }

  @Test
  void endpointsChange_guildPodNoLongerReady_ringDropsItAndItsKeysMoveToSurvivors() throws Exception {
    Endpoints guilds =
        create(
            endpoints(
                "concord-guild",
                7710,
                List.of(pod("guild-0", "127.0.0.11"), pod("guild-1", "127.0.0.12"), pod("guild-2", "127.0.0.13")),
                List.of(pod("guild-3", "127.0.0.14"))));
    create(endpoints("concord-session", 7720, List.of(pod("session-0", "127.0.0.21")), List.of()));
    String registry = startKubernetesRegistry();
    assertThat(registries.getFirst().getBeanNamesForType(KubernetesClient.class)).hasSize(1);

    RingWatcher guildRing = new RingWatcher(Role.ROLE_GUILD, channels.forAddress(registry), scheduler).start();
    RingWatcher sessionRing = new RingWatcher(Role.ROLE_SESSION, channels.forAddress(registry), scheduler).start();
    await(guildRing, r -> hasMembers(r, "guild-0", "guild-1", "guild-2"));
    await(sessionRing, r -> hasMembers(r, "session-0"));
    RingSnapshot before = guildRing.ring().current();
    assertThat(before.member("guild-1")).contains(new RingMember("guild-1", "127.0.0.12:7710"));
    assertThat(before.version()).isEqualTo(resourceVersion(guilds));
    assertThat(sessionRing.ring().current().members()).containsExactly(new RingMember("session-0", "127.0.0.21:7720"));

    // Locate answers from the same ring the watch stream carries
    var stub = RegistryGrpc.newBlockingStub(channels.forAddress(registry));
    SplittableRandom rnd = new SplittableRandom(8);
    Map<Long, String> ownerBefore = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      long key = rnd.nextLong();
      ownerBefore.put(key, before.owner(key).id());
    }
    ownerBefore.entrySet().stream()
        .limit(50)
        .forEach(
            e -> {
              var answer = stub.locate(LocateRequest.newBuilder().setRole(Role.ROLE_GUILD).setKey(e.getKey()).build());
              assertThat(answer.getOwner().getPodId()).isEqualTo(e.getValue());
              assertThat(answer.getRingVersion()).isEqualTo(before.version());
            });
    assertThat(ownerBefore.values()).contains("guild-1");

    // guild-1 fails its readiness probe: Kubernetes moves it to the not-ready addresses
    long t0 = System.nanoTime();
    Endpoints changed =
        client
            .endpoints()
            .inNamespace(NAMESPACE)
            .withName("concord-guild")
            .edit(
                e ->
                    new EndpointsBuilder(e)
                        .editFirstSubset()
                        .withAddresses(pod("guild-0", "127.0.0.11"), pod("guild-2", "127.0.0.13"))
                        .withNotReadyAddresses(pod("guild-1", "127.0.0.12"), pod("guild-3", "127.0.0.14"))
                        .endSubset()
                        .build());
    await(guildRing, r -> hasMembers(r, "guild-0", "guild-2"));
    long reachedMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("endpoints change reached the guild ring of a watching pod after " + reachedMs + " ms");

    RingSnapshot after = guildRing.ring().current();
    assertThat(after.version()).isGreaterThan(before.version()).isEqualTo(resourceVersion(changed));
    ownerBefore.forEach(
        (key, owner) -> {
          if (owner.equals("guild-1")) {
            assertThat(after.owner(key).id()).isIn("guild-0", "guild-2");
          } else {
            assertThat(after.owner(key).id()).isEqualTo(owner); // only guild-1's keys move
          }
        });
    assertThat(sessionRing.ring().current().members()).containsExactly(new RingMember("session-0", "127.0.0.21:7720"));
    guildRing.close();
    sessionRing.close();
  }

  @Test
  void endpointsDeleted_roleRingEmptiesAndComesBackWithTheService() throws Exception {
    create(endpoints("concord-guild", 7710, List.of(pod("guild-0", "127.0.0.11")), List.of()));
    String registry = startKubernetesRegistry();
    RingWatcher guildRing = new RingWatcher(Role.ROLE_GUILD, channels.forAddress(registry), scheduler).start();
    await(guildRing, r -> hasMembers(r, "guild-0"));

    client.endpoints().inNamespace(NAMESPACE).withName("concord-guild").delete();
    await(guildRing, RingSnapshot::isEmpty);
    long emptyVersion = guildRing.ring().current().version();

    create(endpoints("concord-guild", 7710, List.of(pod("guild-5", "127.0.0.15")), List.of()));
    await(guildRing, r -> hasMembers(r, "guild-5"));
    assertThat(guildRing.ring().current().version()).isGreaterThan(emptyVersion);
    guildRing.close();
  }

  @Test
  void twoRegistryReplicas_sameEndpoints_identicalRingsAndVersions() throws Exception {
    create(
        endpoints(
            "concord-session",
            7720,
            List.of(pod("session-0", "127.0.0.21"), pod("session-1", "127.0.0.22"), pod("session-2", "127.0.0.23")),
            List.of()));
    String one = startKubernetesRegistry();
    String other = startKubernetesRegistry();
    RingWatcher a = new RingWatcher(Role.ROLE_SESSION, channels.forAddress(one), scheduler).start();
    RingWatcher b = new RingWatcher(Role.ROLE_SESSION, channels.forAddress(other), scheduler).start();
    await(a, r -> hasMembers(r, "session-0", "session-1", "session-2"));
    await(b, r -> hasMembers(r, "session-0", "session-1", "session-2"));
    assertSameRing(a.ring().current(), b.ring().current());

    client
        .endpoints()
        .inNamespace(NAMESPACE)
        .withName("concord-session")
        .edit(e -> new EndpointsBuilder(e).editFirstSubset().removeFromAddresses(e.getSubsets().getFirst().getAddresses().get(2)).endSubset().build());
    await(a, r -> hasMembers(r, "session-0", "session-1"));
    await(b, r -> hasMembers(r, "session-0", "session-1"));
    assertSameRing(a.ring().current(), b.ring().current());

    // GetMembership agrees as well, wire form included
    var fromOne = RegistryGrpc.newBlockingStub(channels.forAddress(one)).getMembership(GetMembershipRequest.newBuilder().setRole(Role.ROLE_SESSION).build());
    var fromOther = RegistryGrpc.newBlockingStub(channels.forAddress(other)).getMembership(GetMembershipRequest.newBuilder().setRole(Role.ROLE_SESSION).build());
    assertThat(fromOther).isEqualTo(fromOne);
    a.close();
    b.close();
  }

  private static void assertSameRing(RingSnapshot x, RingSnapshot y) {
    assertThat(y.version()).isEqualTo(x.version());
    assertThat(y.members()).isEqualTo(x.members());
    SplittableRandom rnd = new SplittableRandom(5);
    for (int i = 0; i < 2000; i++) {
      long key = rnd.nextLong();
      assertThat(y.owner(key)).isEqualTo(x.owner(key));
    }
  }

  @Test
  void lease_sourceKubernetes_acceptedAndAnsweredButRingUnchanged() throws Exception {
    create(endpoints("concord-guild", 7710, List.of(pod("guild-0", "127.0.0.11")), List.of()));
    String registry = startKubernetesRegistry();
    RingWatcher guildRing = new RingWatcher(Role.ROLE_GUILD, channels.forAddress(registry), scheduler).start();
    await(guildRing, r -> hasMembers(r, "guild-0"));
    long version = guildRing.ring().current().version();

    // a pod keeps its LeaseKeeper on Kubernetes: the registry answers it with the current ring version
    LeaseKeeper keeper = new LeaseKeeper(Role.ROLE_GUILD, "guild-0", "127.0.0.99:1", channels.forAddress(registry), scheduler);
    LeaseKeeper stranger = new LeaseKeeper(Role.ROLE_GUILD, "guild-9", "127.0.0.19:7710", channels.forAddress(registry), scheduler);
    keeper.start();
    stranger.start();
    Await.until(() -> keeper.ringVersion() == version && stranger.ringVersion() == version, "leases answered with ring v" + version);
    stranger.close(); // goodbye
    keeper.close();

    // nothing a lease said reached the ring: same version, endpoint address, no guild-9
    var ring =
        RegistryGrpc.newBlockingStub(channels.forAddress(registry))
            .getMembership(GetMembershipRequest.newBuilder().setRole(Role.ROLE_GUILD).build())
            .getRings(0);
    assertThat(ring.getVersion()).isEqualTo(version);
    assertThat(ring.getMembersList()).hasSize(1);
    assertThat(ring.getMembers(0).getPodId()).isEqualTo("guild-0");
    assertThat(ring.getMembers(0).getAddress()).isEqualTo("127.0.0.11:7710");
    guildRing.close();
  }

  @Test
  void leaseSource_onKubernetesPlatform_noSpringCloudKubernetesBeansAndNoApiCall() throws Exception {
    // the default source, in a pod (cloud platform kubernetes) with the API server reachable
    startRegistry(Map.of(), "--spring.main.cloud-platform=kubernetes");
    ConfigurableApplicationContext registry = registries.getFirst();

    assertThat(registry.getBeanNamesForType(KubernetesClient.class)).isEmpty();
    assertThat(registry.getBeanFactory().getBeanDefinitionNames())
        .allSatisfy(
            name -> {
              String type = registry.getBeanFactory().getBeanDefinition(name).getBeanClassName();
              assertThat(type == null ? "" : type).doesNotStartWith("org.springframework.cloud.kubernetes.");
            });
    assertThat(registry.getEnvironment().getProperty("concord.registry.source")).isEqualTo("lease");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void sourceKubernetes_apiServerUnreachable_startupFailsAfterTheSyncTimeout() {
    server.destroy(); // the API server is gone: every list fails

    assertThatThrownBy(
            () ->
                startRegistry(
                    Map.of("CONCORD_REGISTRY_SOURCE", "kubernetes", "CONCORD_REGISTRY_KUBERNETES_SERVICES_GUILD", "concord-guild"),
                    "--spring.main.cloud-platform=kubernetes",
                    "--concord.registry.kubernetes.initial-sync-timeout=1s"))
        .hasStackTraceContaining("could not list the endpoints of {ROLE_GUILD=concord-guild} in namespace test within PT1S");
    assertThat(registries).isEmpty();
  }

  @Test
  void sourceKubernetes_notOnKubernetes_startupFailsSayingWhy() {
    assertThatThrownBy(() -> startRegistry(Map.of("CONCORD_REGISTRY_SOURCE", "kubernetes", "CONCORD_REGISTRY_KUBERNETES_SERVICES_GUILD", "concord-guild")))
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .rootCause()
        .hasMessageContaining("no Kubernetes client is configured");
  }
}
