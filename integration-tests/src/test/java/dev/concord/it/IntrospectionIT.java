package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.ConcordCtl;
import dev.concord.guild.core.GuildCommands;
import dev.concord.guild.core.GuildHost;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.Message;
import dev.concord.testkit.Await;
import dev.concord.testkit.GatewayClient;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * "Which guild is backed up?" against the in-JVM suite: one guild's loop is held on purpose while
 * messages queue behind it; {@code /actuator/guilds} and {@code make top} (ConcordCtl) rank it
 * first by mailbox, and show it drained once the loop is released.
 */
class IntrospectionIT {
  static final String SECRET = "introspection-test-secret-0123456789ab";
  static final JsonMapper JSON = JsonMapper.builder().build();

  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new SuiteFixture(SECRET);
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static JsonNode get(HttpClient http, String path) throws Exception {
    return get(http, fixture.suite.ports().guildHttp(), path);
  }

  private static JsonNode get(HttpClient http, int port, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void sessionAndGatewayPods_showTheirSessionsWorkersLanesSocketsAndLinks() throws Exception {
    try (GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"));
        HttpClient http = HttpClient.newHttpClient()) {
      c.next(Duration.ofSeconds(10));
      c.identify(fixture.demo.users().get(1).token(), 513);
      c.nextDispatch("GUILD_CREATE", Duration.ofSeconds(10));
      JsonNode sessions = get(http, fixture.suite.ports().sessionHttp(), "/actuator/sessions");
      assertThat(sessions.path("sessions").asInt()).isGreaterThanOrEqualTo(1);
      assertThat(sessions.path("workerQueues").size()).isGreaterThanOrEqualTo(1);
      assertThat(sessions.path("replayBytes").asLong()).as("READY and GUILD_CREATE are held for a resume").isPositive();
      assertThat(sessions.path("joinLanes").get(0).path("guildPod").asString()).isNotEmpty();
      assertThat(sessions.path("joinLanes").get(0).path("permitsFree").asInt()).isPositive();

      JsonNode gateway = get(http, fixture.suite.ports().gatewayManagement(), "/actuator/connections?top=5");
      assertThat(gateway.path("connections").asInt()).isGreaterThanOrEqualTo(1);
      assertThat(gateway.path("slowestSockets").toString()).contains(Long.toUnsignedString(fixture.demo.users().get(1).id()));
      assertThat(gateway.path("links").get(0).path("connections").asInt()).isGreaterThanOrEqualTo(1);
      assertThat(gateway.path("links").get(0).path("broken").asBoolean()).isFalse();
    }
  }

  @Test
  void aBackedUpGuildRanksFirst_andDrainsWhenItsLoopMovesAgain() throws Exception {
    long guild = fixture.demo.guildId();
    long channel = fixture.demo.channelId();
    long alice = fixture.demo.users().get(0).id();
    GuildHost host = fixture.suite.guildBean(GuildHost.class);
    GuildCommands commands = fixture.suite.guildBean(GuildCommands.class);
    // a second guild with some traffic, so that the ranking has something to beat
    commands.createGuild("Quiet guild", alice).join();

    CountDownLatch release = new CountDownLatch(1);
    var held =
        host.submit(
            guild,
            (g, step) -> {
              try {
                release.await(30, TimeUnit.SECONDS); // the loop is stuck here until released
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return null;
            });
    GuildApiGrpc.GuildApiStub api = GuildApiGrpc.newStub(fixture.channels.forAddress(fixture.suite.guildAddress()));
    int queued = 200;
    AtomicInteger answered = new AtomicInteger();
    for (int i = 0; i < queued; i++) {
      api.withDeadlineAfter(30, TimeUnit.SECONDS)
          .createMessage(
              CreateMessageRequest.newBuilder().setGuildId(guild).setChannelId(channel).setAuthorId(alice).setContent("queued " + i).build(),
              new StreamObserver<Message>() {
                @Override
                public void onNext(Message value) {}

                @Override
                public void onError(Throwable t) {
                  answered.incrementAndGet();
                }

                @Override
                public void onCompleted() {
                  answered.incrementAndGet();
                }
              });
    }
    try (HttpClient http = HttpClient.newHttpClient()) {
      Await.until(
          () -> {
            try {
              return get(http, "/actuator/guilds?top=5&by=mailbox").path("guilds").get(0).path("mailbox").asInt() >= queued;
            } catch (Exception e) {
              return false;
            }
          },
          Duration.ofSeconds(10),
          "the held guild's mailbox fills");
      JsonNode top = get(http, "/actuator/guilds?top=5&by=mailbox");
      assertThat(top.path("guilds").get(0).path("id").asString()).isEqualTo(Long.toUnsignedString(guild));
      assertThat(top.path("guilds").get(0).path("state").asString()).isEqualTo("active");
      assertThat(top.path("activeGuilds").asInt()).isGreaterThanOrEqualTo(2);
      assertThat(top.path("queuedTasks").asLong()).isGreaterThanOrEqualTo(queued);

      String table = ConcordCtl.topGuilds(List.of("http://127.0.0.1:" + fixture.suite.ports().guildHttp()), 5, "mailbox");
      List<String> lines = table.lines().toList();
      int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("guild ")).findFirst().orElseThrow());
      assertThat(lines.get(header + 1)).as(table).startsWith(Long.toUnsignedString(guild)).contains("Concord Demo");

      JsonNode one = get(http, "/actuator/guilds/" + Long.toUnsignedString(guild));
      assertThat(one.path("mailbox").asInt()).isGreaterThanOrEqualTo(queued);

      release.countDown();
      held.get(30, TimeUnit.SECONDS);
      Await.until(() -> answered.get() == queued, Duration.ofSeconds(30), "every queued message answered");
      JsonNode after = get(http, "/actuator/guilds/" + Long.toUnsignedString(guild));
      assertThat(after.path("mailbox").asInt()).isZero();
      assertThat(after.path("eventsPerSecond").asDouble()).as("~200 operations in the last 10 s").isGreaterThan(10);

      // the pod's histograms saw the wait (no per-guild labels: the endpoint says which guild)
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.suite.ports().guildHttp() + "/actuator/prometheus")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      double maxWait =
          metrics.lines().filter(l -> l.startsWith("concord_guild_loop_wait_seconds_max")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).max().orElse(0);
      assertThat(maxWait).as("queued operations waited behind the held loop\n%s", metrics).isGreaterThan(0.05);
      assertThat(metrics).contains("concord_guild_loop_wait_seconds_bucket").contains("concord_guild_apply_seconds_count");
      assertThat(metrics).doesNotContain("guild_id=");
    } finally {
      release.countDown();
    }
  }
}
