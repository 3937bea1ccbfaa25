package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.cluster.Channels;
import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.Guild;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.ListMessagesRequest;
import dev.concord.proto.guild.v1.Message;
import dev.concord.proto.guild.v1.PermissionOverwrite;
import dev.concord.proto.guild.v1.User;
import dev.concord.proto.registry.v1.GetMembershipRequest;
import dev.concord.proto.registry.v1.RegistryGrpc;
import dev.concord.proto.common.v1.Role;
import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import dev.concord.protocol.TokenVerifier;
import dev.concord.testkit.Await;
import dev.concord.testkit.GatewayClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Guild pod failover with nothing acknowledged lost. Three guild pods share the real PostgreSQL
 * ({@code CONCORD_TEST_JDBC_URL}, from {@code make test}): guild-0 runs in this JVM with the rest
 * of the suite, guild-1 and guild-2 are separate JVMs (the guild service's own jar) that the test
 * kills with SIGKILL (no shutdown hook, no goodbye). Six guilds, two created on each pod, each
 * with a public and a private channel; six clients are members of every guild (one cannot see the
 * private channels). A publisher creates messages round-robin the whole time.
 *
 * <p>Three rounds: kill a child pod, keep publishing, start it again (its guilds move back: a
 * handoff). Afterwards every acknowledged message is in the store, was delivered exactly once to
 * every client that can see its channel, and no client was disconnected. Prints the time from each
 * kill to the first message created after it and delivered in one of the dead pod's guilds, and
 * the median.
 */
class GuildFailoverIT {
  static final String SECRET = "guild-failover-secret-0123456789abcdef";
  static final int USERS = 6;
  static final long VIEW_CHANNEL = 1L << 10;

  static LocalSuite suite;
  static Channels channels;
  static String jdbcUrl;
  static final Map<String, Process> children = new ConcurrentHashMap<>();
  static final Map<String, LocalSuite.Ports> childPorts = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    jdbcUrl = System.getenv("CONCORD_TEST_JDBC_URL");
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new IllegalStateException("CONCORD_TEST_JDBC_URL is not set: run with `make test` (it provides PostgreSQL)");
    }
    suite =
        LocalSuite.start(
            LocalSuite.Ports.free(), LocalSuite.Options.defaults(SECRET).withExtra(List.of("--spring.datasource.url=" + jdbcUrl)));
    channels = new Channels();
    childPorts.put("guild-1", LocalSuite.Ports.free());
    childPorts.put("guild-2", LocalSuite.Ports.free());
    spawn("guild-1", 2);
    spawn("guild-2", 3);
    awaitGuildPods(3);
  }

  @AfterAll
  static void stop() {
    children.values().forEach(Process::destroyForcibly);
    if (channels != null) {
      channels.close();
    }
    if (suite != null) {
      suite.close();
    }
  }

  /** Starts a guild pod as its own JVM from the guild service's executable jar. */
  static void spawn(String podId, int node) throws Exception {
    LocalSuite.Ports p = childPorts.get(podId);
    Path log = Path.of("target", "failover-" + podId + ".log");
    Files.createDirectories(log.getParent());
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx384m",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            guildJar().toString(),
            "--spring.grpc.server.port=" + p.guildGrpc(),
            "--server.port=" + p.guildHttp(),
            "--concord.guild.pod-id=" + podId,
            "--concord.guild.node=" + node,
            "--concord.guild.registry-address=127.0.0.1:" + suite.ports().registryGrpc(),
            "--spring.datasource.url=" + jdbcUrl);
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    children.put(podId, proc);
  }

  static Path guildJar() {
    File dir = Path.of("..", "services", "guild", "target").toFile();
    File[] jars = dir.listFiles((d, n) -> n.startsWith("concord-guild-") && n.endsWith("-exec.jar"));
    if (jars == null || jars.length != 1) {
      throw new IllegalStateException("expected one guild exec jar in " + dir.getAbsolutePath() + " (build the guild module first)");
    }
    return jars[0].toPath();
  }

  static int guildPods() {
    var stub = RegistryGrpc.newBlockingStub(channels.forAddress("127.0.0.1:" + suite.ports().registryGrpc()));
    return stub.withDeadlineAfter(2, TimeUnit.SECONDS).getMembership(GetMembershipRequest.getDefaultInstance()).getRingsList().stream()
        .filter(r -> r.getRole() == Role.ROLE_GUILD)
        .mapToInt(r -> r.getMembersCount())
        .sum();
  }

  static void awaitGuildPods(int n) throws InterruptedException {
    Await.until(() -> guildPods() == n, Duration.ofSeconds(60), n + " guild pods in the ring");
  }

  static String address(String podId) {
    return podId.equals("guild-0") ? suite.guildAddress() : "127.0.0.1:" + childPorts.get(podId).guildGrpc();
  }

  record Sent(long id, long guildId, boolean secret) {}

  record Received(long atNanos, long guildId, long id) {}

  @Test
  void guildPodKilled_everyAckedMessageStoredAndDeliveredOnce_clientsKeepSessions() throws Exception {
    var api = GuildApiGrpc.newBlockingStub(channels.forAddress(suite.guildAddress()));
    TokenVerifier tokens = new TokenVerifier(SECRET);
    List<User> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      users.add(api.withDeadlineAfter(10, TimeUnit.SECONDS).createUser(CreateUserRequest.newBuilder().setUsername("fo" + i).build()));
    }
    User blind = users.get(USERS - 1); // cannot see the private channels
    List<String> pods = List.of("guild-0", "guild-1", "guild-2");
    Map<Long, String> creator = new HashMap<>();
    Map<Long, long[]> channelsOf = new HashMap<>(); // guild -> {public, private}
    for (String pod : pods) {
      var podApi = GuildApiGrpc.newBlockingStub(channels.forAddress(address(pod)));
      for (int k = 0; k < 2; k++) {
        Guild g =
            podApi.withDeadlineAfter(10, TimeUnit.SECONDS)
                .createGuild(CreateGuildRequest.newBuilder().setName(pod + "-" + k).setOwnerId(users.get(0).getId()).build());
        creator.put(g.getId(), pod);
        for (int u = 1; u < USERS; u++) {
          api.withDeadlineAfter(10, TimeUnit.SECONDS)
              .addMember(AddMemberRequest.newBuilder().setGuildId(g.getId()).setUserId(users.get(u).getId()).build());
        }
        Channel pub =
            api.withDeadlineAfter(10, TimeUnit.SECONDS)
                .createChannel(CreateChannelRequest.newBuilder().setGuildId(g.getId()).setName("general").build());
        Channel priv =
            api.withDeadlineAfter(10, TimeUnit.SECONDS)
                .createChannel(
                    CreateChannelRequest.newBuilder()
                        .setGuildId(g.getId())
                        .setName("private")
                        .addOverwrites(PermissionOverwrite.newBuilder().setId(blind.getId()).setType(1).setDeny(VIEW_CHANNEL))
                        .build());
        channelsOf.put(g.getId(), new long[] {pub.getId(), priv.getId()});
      }
    }
    List<Long> guildIds = new ArrayList<>(creator.keySet());

    // clients: every guild's GUILD_CREATE, then readers that timestamp each MESSAGE_CREATE
    List<GatewayClient> clients = new ArrayList<>();
    Map<Integer, List<Received>> received = new ConcurrentHashMap<>();
    AtomicBoolean reading = new AtomicBoolean(true);
    List<Thread> readers = new ArrayList<>();
    Map<Integer, List<String>> otherEvents = new ConcurrentHashMap<>();
    try {
      for (int u = 0; u < USERS; u++) {
        GatewayClient c = GatewayClient.connect(suite.gatewayUrl() + "/?v=10&encoding=json");
        clients.add(c);
        c.identify(tokens.sign(users.get(u).getId(), 3600), Intents.GUILDS | Intents.GUILD_MESSAGES);
        c.nextDispatch("READY", Duration.ofSeconds(20));
        for (int g = 0; g < guildIds.size(); g++) {
          c.nextDispatch("GUILD_CREATE", Duration.ofSeconds(20));
        }
        int user = u;
        received.put(u, new CopyOnWriteArrayList<>());
        otherEvents.put(u, new CopyOnWriteArrayList<>());
        readers.add(
            Thread.ofPlatform()
                .name("reader-" + u)
                .start(
                    () -> {
                      long nextBeat = System.nanoTime();
                      while (reading.get()) {
                        try {
                          if (System.nanoTime() >= nextBeat) {
                            c.send("{\"op\":1,\"d\":null}");
                            nextBeat = System.nanoTime() + 5_000_000_000L;
                          }
                          JsonNode f = c.next(Duration.ofMillis(50));
                          long at = System.nanoTime();
                          if (f.path("op").asInt() != 0) {
                            continue;
                          }
                          String t = f.path("t").asString();
                          JsonNode d = f.path("d");
                          if (t.equals("MESSAGE_CREATE")) {
                            received.get(user).add(new Received(at, Long.parseUnsignedLong(d.path("guild_id").asString()), Long.parseUnsignedLong(d.path("id").asString())));
                          } else {
                            otherEvents.get(user).add(t);
                          }
                        } catch (AssertionError timeout) {
                          // nothing within 50 ms
                        } catch (InterruptedException e) {
                          return;
                        } catch (RuntimeException e) {
                          otherEvents.get(user).add("error: " + e);
                        }
                      }
                    }));
      }

      // the publisher: round-robin over guilds and channels, recording what was acknowledged
      List<Sent> acked = new CopyOnWriteArrayList<>();
      AtomicLong refused = new AtomicLong();
      AtomicBoolean publishing = new AtomicBoolean(true);
      Thread publisher =
          Thread.ofPlatform()
              .name("publisher")
              .start(
                  () -> {
                    for (int i = 0; publishing.get(); i++) {
                      long guild = guildIds.get(i % guildIds.size());
                      boolean secret = (i / guildIds.size()) % 3 == 2;
                      try {
                        Message m =
                            api.withDeadlineAfter(2, TimeUnit.SECONDS)
                                .createMessage(
                                    CreateMessageRequest.newBuilder()
                                        .setGuildId(guild)
                                        .setChannelId(channelsOf.get(guild)[secret ? 1 : 0])
                                        .setAuthorId(users.get(i % (USERS - 1)).getId())
                                        .setContent("m" + i)
                                        .build());
                        acked.add(new Sent(m.getId(), guild, secret));
                      } catch (RuntimeException e) {
                        refused.incrementAndGet(); // not acknowledged: no promise made
                      }
                      try {
                        Thread.sleep(10);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });

      List<Long> firstEventMillis = new ArrayList<>();
      List<Long> handbackMillis = new ArrayList<>();
      String[] victims = {"guild-1", "guild-2", "guild-1"};
      for (String victim : victims) {
        awaitMoreAcked(acked, 100); // steady traffic on every guild before the kill
        Set<Long> affected = new HashSet<>();
        creator.forEach((g, pod) -> {
          if (pod.equals(victim)) {
            affected.add(g);
          }
        });
        long killedAt = System.nanoTime();
        long killedAtMillis = System.currentTimeMillis();
        children.get(victim).destroyForcibly(); // SIGKILL: no shutdown hook, no lease goodbye
        children.get(victim).waitFor(10, TimeUnit.SECONDS);
        // the first message created after the kill (its snowflake says when) in one of the dead
        // pod's guilds: served by the new owner, not one already in flight
        java.util.function.Predicate<Received> afterKill =
            r -> affected.contains(r.guildId()) && SnowflakeGenerator.timestamp(r.id()).toEpochMilli() >= killedAtMillis;
        Await.until(
            () -> received.values().stream().flatMap(List::stream).anyMatch(afterKill),
            Duration.ofSeconds(30),
            "a message delivered in a guild of " + victim + " after its kill");
        long first =
            received.values().stream()
                .flatMap(List::stream)
                .filter(afterKill)
                .mapToLong(Received::atNanos)
                .min()
                .orElseThrow();
        firstEventMillis.add((first - killedAt) / 1_000_000);
        awaitMoreAcked(acked, 100); // the new owners serve for a while before the pod comes back
        spawn(victim, victim.equals("guild-1") ? 2 : 3); // back: its guilds move to it again
        awaitGuildPods(3);
        // steady state before the next round: every guild of the restarted pod delivers again
        long backAtMillis = System.currentTimeMillis();
        for (long g : affected) {
          Await.until(
              () ->
                  received.values().stream()
                      .flatMap(List::stream)
                      .anyMatch(r -> r.guildId() == g && SnowflakeGenerator.timestamp(r.id()).toEpochMilli() >= backAtMillis),
              Duration.ofSeconds(60),
              "guild " + g + " delivering again after " + victim + " came back");
        }
        handbackMillis.add(System.currentTimeMillis() - backAtMillis);
      }
      awaitMoreAcked(acked, 100);
      publishing.set(false);
      publisher.join(10_000);

      // every acknowledged message is in the store
      Set<Long> ackedIds = new HashSet<>();
      acked.forEach(s -> ackedIds.add(s.id()));
      assertThat(ackedIds).hasSameSizeAs(acked);
      assertThat(storedAmong(ackedIds)).as("acknowledged messages in PostgreSQL").isEqualTo(ackedIds);
      // and readable through the history API
      long someGuild = acked.getLast().guildId();
      List<Long> history =
          api.withDeadlineAfter(5, TimeUnit.SECONDS)
              .listMessages(ListMessagesRequest.newBuilder().setGuildId(someGuild).setChannelId(channelsOf.get(someGuild)[acked.getLast().secret() ? 1 : 0]).setLimit(5).build())
              .getMessagesList().stream()
              .map(Message::getId)
              .toList();
      assertThat(history).contains(acked.getLast().id());

      // every acknowledged message reaches every client that can see its channel, exactly once
      for (int u = 0; u < USERS; u++) {
        int user = u;
        Set<Long> expected = new HashSet<>();
        for (Sent s : acked) {
          if (!(s.secret() && users.get(user).getId() == blind.getId())) {
            expected.add(s.id());
          }
        }
        Await.until(
            () -> received.get(user).stream().map(Received::id).collect(java.util.stream.Collectors.toSet()).containsAll(expected),
            Duration.ofSeconds(30),
            "client " + user + " received every acknowledged message it can see");
        List<Long> ids = received.get(user).stream().map(Received::id).toList();
        assertThat(new HashSet<>(ids)).as("client %d: no message twice", user).hasSameSizeAs(ids);
        if (users.get(user).getId() == blind.getId()) {
          Set<Long> secretIds = new HashSet<>();
          acked.stream().filter(Sent::secret).forEach(s -> secretIds.add(s.id()));
          assertThat(ids).as("the blind client never sees a private channel").doesNotContainAnyElementsOf(secretIds);
        }
        assertThat(otherEvents.get(user)).as("client %d kept its session", user).noneMatch(t -> t.startsWith("error"));
      }
      for (GatewayClient c : clients) {
        assertThat(c.pending()).isZero();
      }
      List<Long> sorted = new ArrayList<>(firstEventMillis);
      sorted.sort(null);
      System.out.printf(
          "%nGuild failover: %d acknowledged messages (%d refused while a guild moved), %d kills;"
              + " kill -> first message delivered in an affected guild: %s ms, median %d ms;"
              + " restarted pod in the ring -> all its guilds delivering again (handoff back, cold JVM): %s ms%n",
          acked.size(), refused.get(), victims.length, firstEventMillis, sorted.get(sorted.size() / 2), handbackMillis);
      assertThat(acked.size()).isGreaterThan(200);
    } finally {
      reading.set(false);
      for (Thread t : readers) {
        t.join(2_000);
      }
      clients.forEach(GatewayClient::close);
    }
  }

  /** Waits (bounded) until the publisher has {@code more} acknowledged messages than now. */
  static void awaitMoreAcked(List<Sent> acked, int more) throws InterruptedException {
    int target = acked.size() + more;
    Await.until(() -> acked.size() >= target, Duration.ofSeconds(60), more + " more acknowledged messages");
  }

  /** Which of {@code ids} are in the messages table (read straight from PostgreSQL). */
  static Set<Long> storedAmong(Set<Long> ids) throws Exception {
    Set<Long> found = new HashSet<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement ps = c.prepareStatement("select id from messages where id = any (?)")) {
      ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(rs.getLong(1));
        }
      }
    }
    return found;
  }
}
