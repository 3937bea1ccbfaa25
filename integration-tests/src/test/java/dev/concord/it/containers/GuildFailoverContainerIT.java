package dev.concord.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.common.v1.Role;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.ListMessagesRequest;
import dev.concord.proto.guild.v1.Message;
import dev.concord.protocol.Intents;
import dev.concord.testkit.Await;
import dev.concord.testkit.GatewayClient;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A guild pod crashes: two guild containers share the real PostgreSQL, the one that owns the demo
 * guild is killed (SIGKILL: no goodbye, its lease expires). The other pod takes the guild over
 * from the store, the connected clients keep their sessions (the guild goes unavailable and comes
 * back), the next message reaches both exactly once, and the history written by the dead pod is
 * still there.
 */
class GuildFailoverContainerIT {
  static final String SECRET = "container-failover-secret-0123456789ab";
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Duration TAKEOVER = Duration.ofSeconds(60);
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

  static ContainerCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ContainerCluster.start("guild-failover", SECRET, 2, 1);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void ownerGuildPodKilled_otherPodTakesOver_clientsKeepSessions_historyKept() throws Exception {
    long guildId = cluster.demo.guildId();
    String owner = cluster.owner(Role.ROLE_GUILD, guildId);
    int dead = owner.equals("guild-0") ? 0 : 1;
    int survivor = 1 - dead;
    var api = GuildApiGrpc.newBlockingStub(cluster.guildChannel(survivor));

    List<GatewayClient> clients = new ArrayList<>();
    try {
      long[] seq = new long[2];
      for (int u = 0; u < 2; u++) {
        GatewayClient c = GatewayClient.connect(cluster.gatewayUrl(0));
        clients.add(c);
        c.next(WAIT); // HELLO
        c.identify(cluster.demo.users().get(u).token(), INTENTS);
        c.nextDispatch("READY", WAIT);
        seq[u] = c.nextDispatch("GUILD_CREATE", WAIT).path("s").asLong();
      }
      // written and fanned out by the owner, forwarded there by the survivor
      Message before = api.withDeadlineAfter(10, TimeUnit.SECONDS).createMessage(message("before the crash"));
      for (int u = 0; u < 2; u++) {
        assertThat(dispatchesUntilMessage(clients.get(u), seq, u, before.getId())).containsExactly("MESSAGE_CREATE");
      }

      cluster.guilds.get(dead).kill();
      Await.until(
          () -> ContainerCluster.members(cluster.membership(), Role.ROLE_GUILD) == 1, WAIT, "the dead pod's lease expired");
      assertThat(cluster.owner(Role.ROLE_GUILD, guildId)).isEqualTo("guild-" + survivor);
      Message after = createOnNewOwner(api, "after the crash");

      for (int u = 0; u < 2; u++) {
        GatewayClient c = clients.get(u);
        List<String> seen = dispatchesUntilMessage(c, seq, u, after.getId());
        // the guild went unavailable and came back on the same connection and session
        assertThat(seen).as("user %d", u).containsSubsequence("GUILD_DELETE", "GUILD_CREATE", "MESSAGE_CREATE");
        assertThat(seen.stream().filter("MESSAGE_CREATE"::equals)).as("user %d: only the new message", u).hasSize(1);
        // nothing else behind it: a heartbeat's ACK comes after everything already sent
        c.send("{\"op\":1,\"d\":null}");
        JsonNode f;
        while ((f = c.next(WAIT)).path("op").asInt() != 11) {
          assertThat(f.path("t").asString()).as("user %d after the new message", u).isNotEqualTo("MESSAGE_CREATE");
        }
      }

      List<Long> history =
          api.withDeadlineAfter(10, TimeUnit.SECONDS)
              .listMessages(
                  ListMessagesRequest.newBuilder().setGuildId(guildId).setChannelId(cluster.demo.channelId()).setLimit(50).build())
              .getMessagesList()
              .stream()
              .map(Message::getId)
              .toList();
      assertThat(history).contains(before.getId(), after.getId());
    } finally {
      clients.forEach(GatewayClient::close);
    }
  }

  private static CreateMessageRequest message(String content) {
    return CreateMessageRequest.newBuilder()
        .setGuildId(cluster.demo.guildId())
        .setChannelId(cluster.demo.channelId())
        .setAuthorId(cluster.demo.users().get(0).id())
        .setContent(content)
        .build();
  }

  /** Creates a message, retrying while the surviving pod takes the guild over (bounded). */
  private static Message createOnNewOwner(GuildApiGrpc.GuildApiBlockingStub api, String content) throws InterruptedException {
    long deadline = System.nanoTime() + TAKEOVER.toNanos();
    while (true) {
      try {
        return api.withDeadlineAfter(10, TimeUnit.SECONDS).createMessage(message(content));
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * The dispatch types a client receives up to and including the MESSAGE_CREATE of {@code id},
   * checking that {@code s} rises by exactly one per dispatch.
   */
  private static List<String> dispatchesUntilMessage(GatewayClient c, long[] seq, int who, long id) throws InterruptedException {
    List<String> types = new ArrayList<>();
    while (true) {
      JsonNode f = c.next(WAIT);
      int op = f.path("op").asInt();
      assertThat(op).as("no reconnect or invalid session").isNotIn(7, 9);
      if (op != 0) {
        continue;
      }
      assertThat(f.path("s").asLong()).as("s rises by one").isEqualTo(seq[who] + 1);
      seq[who] = f.path("s").asLong();
      String t = f.path("t").asString();
      types.add(t);
      if ("MESSAGE_CREATE".equals(t) && f.path("d").path("id").asString().equals(Long.toUnsignedString(id))) {
        return types;
      }
    }
  }
}
