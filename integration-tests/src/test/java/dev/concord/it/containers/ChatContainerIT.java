package dev.concord.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.Message;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The shipped images chat end to end: registry, guild, presence, session and gateway each in its
 * own container, two real WebSocket clients, messages created through the gRPC guild API.
 */
class ChatContainerIT {
  static final String SECRET = "container-chat-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(15);
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

  static ContainerCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ContainerCluster.start("chat", SECRET, 1, 1);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void messageThroughGuildApi_reachesBothClients_asMessageCreate() throws Exception {
    var users = cluster.demo.users();
    try (GatewayClient alice = GatewayClient.connect(cluster.gatewayUrl(0));
        GatewayClient bob = GatewayClient.connect(cluster.gatewayUrl(0))) {
      alice.next(WAIT); // HELLO
      bob.next(WAIT);
      alice.identify(users.get(0).token(), INTENTS);
      bob.identify(users.get(1).token(), INTENTS);
      for (GatewayClient c : List.of(alice, bob)) {
        JsonNode ready = c.nextDispatch("READY", WAIT);
        assertThat(ready.path("d").path("session_id").asString()).endsWith(".session-0");
        assertThat(ready.path("d").path("resume_gateway_url").asString()).isEqualTo(cluster.gatewayBaseUrl(0));
        JsonNode guild = c.nextDispatch("GUILD_CREATE", WAIT);
        assertThat(guild.path("d").path("id").asString()).isEqualTo(Long.toUnsignedString(cluster.demo.guildId()));
        assertThat(guild.path("d").path("member_count").asInt()).isEqualTo(2);
      }

      var api = GuildApiGrpc.newBlockingStub(cluster.guildChannel(0));
      for (int i = 0; i < 3; i++) {
        Message m =
            api.withDeadlineAfter(5, TimeUnit.SECONDS)
                .createMessage(
                    CreateMessageRequest.newBuilder()
                        .setGuildId(cluster.demo.guildId())
                        .setChannelId(cluster.demo.channelId())
                        .setAuthorId(users.get(i % 2).id())
                        .setContent("from a container #" + i)
                        .build());
        for (GatewayClient c : List.of(alice, bob)) {
          JsonNode d = c.nextDispatch("MESSAGE_CREATE", WAIT).path("d");
          assertThat(d.path("id").asString()).isEqualTo(Long.toUnsignedString(m.getId()));
          assertThat(d.path("content").asString()).isEqualTo("from a container #" + i);
          assertThat(d.path("author").path("username").asString()).isEqualTo(users.get(i % 2).username());
          assertThat(d.path("channel_id").asString()).isEqualTo(Long.toUnsignedString(cluster.demo.channelId()));
        }
      }
    }
  }

  @Test
  void everyContainer_isReady_onItsActuatorPort_andRunsAsNonRoot() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (ServiceContainer c : cluster.containers()) {
      HttpResponse<String> readiness =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.actuatorPort() + "/actuator/health/readiness"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(readiness.statusCode()).as(c.name() + " readiness").isEqualTo(200);
      assertThat(readiness.body()).as(c.name() + " readiness").contains("\"UP\"");
      var exec = c.execInContainer("id", "-u");
      assertThat(exec.getStdout().strip()).as(c.name() + " runs as").isEqualTo("10001");
    }
  }

  @Test
  void gatewayRest_pointsBotsAtThePublicUrl() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String base = cluster.gatewayBaseUrl(0).replace("ws://", "http://");
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v10/gateway")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"" + cluster.gatewayBaseUrl(0) + "\"");
  }
}
