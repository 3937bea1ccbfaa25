package dev.concord.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The registry dies (SIGKILL: no goodbye) under a connected client (issue 17): every pod keeps
 * the rings it last saw, so messages keep flowing to the client for as long as the test publishes
 * (6 s, past the registry's lease grace) and a new client still identifies and gets its guild;
 * nothing acknowledged is lost meanwhile.
 */
class RegistryKillContainerIT {
  static final String SECRET = "container-registry-kill-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(15);
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

  static ContainerCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ContainerCluster.start("registry-kill", SECRET, 1, 1);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void withTheRegistryDead_messagesFlowAndNewClientsIdentify() throws Exception {
    var users = cluster.demo.users();
    var api = GuildApiGrpc.newBlockingStub(cluster.guildChannel(0));
    try (GatewayClient alice = GatewayClient.connect(cluster.gatewayUrl(0))) {
      alice.next(WAIT);
      alice.identify(users.get(0).token(), INTENTS);
      alice.nextDispatch("GUILD_CREATE", WAIT);

      cluster.registry.kill();

      // messages keep reaching the connected client, each acknowledged one delivered
      List<String> acknowledged = new ArrayList<>();
      List<String> delivered = new ArrayList<>();
      // for 6 s after the kill: past the 3 s the registry would have waited before dropping a pod,
      // were it alive (bounded: 2 000 messages)
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
      for (int i = 0; System.nanoTime() < until && i < 2000; i++) {
        var m =
            api.withDeadlineAfter(10, TimeUnit.SECONDS)
                .createMessage(
                    CreateMessageRequest.newBuilder()
                        .setGuildId(cluster.demo.guildId())
                        .setChannelId(cluster.demo.channelId())
                        .setAuthorId(users.get(1).id())
                        .setContent("no registry #" + i)
                        .build());
        acknowledged.add(Long.toUnsignedString(m.getId()));
        delivered.add(alice.nextDispatch("MESSAGE_CREATE", WAIT).path("d").path("id").asString());
      }
      assertThat(delivered).containsExactlyElementsOf(acknowledged);

      // a new client identifies and gets its guild on the rings every pod kept
      try (GatewayClient bob = GatewayClient.connect(cluster.gatewayUrl(0))) {
        bob.next(WAIT);
        bob.identify(users.get(1).token(), INTENTS);
        JsonNode guild = bob.nextDispatch("GUILD_CREATE", WAIT);
        assertThat(guild.path("d").path("id").asString()).isEqualTo(Long.toUnsignedString(cluster.demo.guildId()));
      }
      System.out.printf(
          "registry killed: %d messages acknowledged, %d delivered to the connected client, 0 lost; a new client identified%n",
          acknowledged.size(), delivered.size());
    }
  }
}
