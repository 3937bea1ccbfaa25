package dev.concord.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.common.v1.Role;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.MessageRequest;
import dev.concord.protocol.Intents;
import dev.concord.testkit.Await;
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
 * The session pod dies (SIGKILL) under a connected client and comes back (issue 17): the gateway
 * closes the client resumably; messages created meanwhile are acknowledged by the guild pod and
 * stored; once the pod is back, the client's RESUME is refused (its session died with the pod),
 * it IDENTIFYs again and gets its guild and live messages, and every message acknowledged during
 * the outage is in the history.
 */
class SessionKillContainerIT {
  static final String SECRET = "container-session-kill-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(20);
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

  static ContainerCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ContainerCluster.start("session-kill", SECRET, 1, 1);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static long post(String content) {
    return GuildApiGrpc.newBlockingStub(cluster.guildChannel(0))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .createMessage(
            CreateMessageRequest.newBuilder()
                .setGuildId(cluster.demo.guildId())
                .setChannelId(cluster.demo.channelId())
                .setAuthorId(cluster.demo.users().get(1).id())
                .setContent(content)
                .build())
        .getId();
  }

  /**
   * Connects and RESUMEs until the gateway answers with INVALID_SESSION (until its link to the
   * restarted session pod is up, a RESUME may be closed instead); bounded by WAIT.
   */
  private static GatewayClient resumeAnswered(String token, String sessionId, long seq) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      GatewayClient c = GatewayClient.connect(cluster.gatewayUrl(0));
      try {
        c.next(WAIT);
        c.resume(token, sessionId, seq);
        JsonNode answer = c.next(Duration.ofSeconds(5));
        while (answer.path("op").asInt() != 9) {
          answer = c.next(Duration.ofSeconds(5));
        }
        assertThat(answer.path("d").asBoolean()).as("INVALID_SESSION, not resumable: the session died with its pod").isFalse();
        return c;
      } catch (AssertionError notYet) {
        c.close();
        if (System.nanoTime() > deadline || notYet.getMessage() != null && notYet.getMessage().contains("INVALID_SESSION")) {
          throw notYet;
        }
      }
    }
  }

  @Test
  void aKilledSessionPod_clientsIdentifyAgain_andNothingAcknowledgedIsLost() throws Exception {
    String token = cluster.demo.users().get(0).token();
    String sessionId;
    long lastSeq;
    try (GatewayClient alice = GatewayClient.connect(cluster.gatewayUrl(0))) {
      alice.next(WAIT);
      alice.identify(token, INTENTS);
      sessionId = alice.nextDispatch("READY", WAIT).path("d").path("session_id").asString();
      lastSeq = alice.nextDispatch("GUILD_CREATE", WAIT).path("s").asLong();

      cluster.session.kill();
      int code = alice.awaitClose(WAIT);
      System.out.println("client closed with " + code + " when its session pod died");
      assertThat(code).as("resumable close").isEqualTo(4000);
    }

    // the guild pod acknowledges messages while no session pod is up
    List<Long> duringOutage = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      duringOutage.add(post("while the session pod is down #" + i));
    }

    cluster.session.startAgain();
    Await.until(() -> ContainerCluster.members(cluster.membership(), Role.ROLE_SESSION) == 1, WAIT, "the session pod holds its lease again");

    try (GatewayClient alice = resumeAnswered(token, sessionId, lastSeq)) {
      alice.identify(token, INTENTS);
      assertThat(alice.nextDispatch("GUILD_CREATE", WAIT).path("d").path("id").asString())
          .isEqualTo(Long.toUnsignedString(cluster.demo.guildId()));
      long live = post("after the restart");
      assertThat(alice.nextDispatch("MESSAGE_CREATE", WAIT).path("d").path("id").asString()).isEqualTo(Long.toUnsignedString(live));
    }

    // every message acknowledged during the outage is stored (the client's history shows it)
    var api = GuildApiGrpc.newBlockingStub(cluster.guildChannel(0));
    int stored = 0;
    for (long id : duringOutage) {
      api.withDeadlineAfter(10, TimeUnit.SECONDS)
          .getMessage(MessageRequest.newBuilder().setGuildId(cluster.demo.guildId()).setChannelId(cluster.demo.channelId()).setMessageId(id).build());
      stored++;
    }
    System.out.printf(
        "session pod killed: %d messages acknowledged while it was down, %d stored, 0 lost; the client identified again%n",
        duringOutage.size(), stored);
    assertThat(stored).isEqualTo(duringOutage.size());
  }
}
