package dev.concord.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A rolling redeploy of the gateway image: two gateway containers, clients on the first, and
 * {@code docker stop} on it while messages flow. The JVM gets SIGTERM, drains with op 7 RECONNECT,
 * every client resumes on the other gateway, and no dispatch is lost or repeated.
 */
class GatewayRolloutContainerIT {
  static final String SECRET = "container-rollout-secret-0123456789abcd";
  static final Duration WAIT = Duration.ofSeconds(30);
  /** Past the gateway's drain timeout (10 s) plus the rest of its shutdown. */
  static final Duration STOP_GRACE = Duration.ofSeconds(45);
  static final int CLIENTS = 4;
  static final int MESSAGES = 30;

  static ContainerCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ContainerCluster.start("rollout", SECRET, 1, 2);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * A client that starts on gateway 0 and, told to reconnect, resumes on gateway 1. Records every
   * MESSAGE_CREATE id and checks that {@code s} rises by one across the move.
   */
  static final class MovingClient {
    private final String token;
    private GatewayClient socket;
    private String sessionId;
    private long seq;
    private int reconnects;
    final List<String> messageIds = new ArrayList<>();

    MovingClient(String token) {
      this.token = token;
    }

    void identifyOnFirstGateway() throws InterruptedException {
      socket = GatewayClient.connect(cluster.gatewayUrl(0));
      socket.next(WAIT); // HELLO
      socket.identify(token, Intents.GUILDS | Intents.GUILD_MESSAGES);
      sessionId = socket.nextDispatch("READY", WAIT).path("d").path("session_id").asString();
      seq = socket.nextDispatch("GUILD_CREATE", WAIT).path("s").asLong();
    }

    List<String> readMessages(int count) throws InterruptedException {
      while (messageIds.size() < count) {
        JsonNode frame = socket.next(WAIT);
        switch (frame.path("op").asInt()) {
          case 7 -> resumeOnSecondGateway();
          case 0 -> {
            assertThat(frame.path("s").asLong()).as("s after %d across the move", seq).isEqualTo(seq + 1);
            seq = frame.path("s").asLong();
            if ("MESSAGE_CREATE".equals(frame.path("t").asString())) {
              messageIds.add(frame.path("d").path("id").asString());
            }
          }
          default -> {
            // heartbeat ACKs and the like
          }
        }
      }
      return messageIds;
    }

    private void resumeOnSecondGateway() throws InterruptedException {
      reconnects++;
      socket.closeResumable(4000);
      socket = GatewayClient.connect(cluster.gatewayUrl(1));
      socket.next(WAIT); // HELLO
      socket.resume(token, sessionId, seq);
    }

    void close() {
      socket.close();
    }
  }

  @Test
  void dockerStop_drainsGateway_everyClientResumesOnTheOther_noDispatchLost() throws Exception {
    List<MovingClient> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      MovingClient c = new MovingClient(cluster.demo.users().get(i % 2).token());
      c.identifyOnFirstGateway();
      clients.add(c);
    }
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      List<Future<List<String>>> received = new ArrayList<>();
      for (MovingClient c : clients) {
        received.add(threads.submit(() -> c.readMessages(MESSAGES)));
      }
      var api = GuildApiGrpc.newBlockingStub(cluster.guildChannel(0));
      List<String> sent = new ArrayList<>();
      Future<?> rollout = null;
      for (int m = 0; m < MESSAGES; m++) {
        sent.add(
            Long.toUnsignedString(
                api.withDeadlineAfter(5, TimeUnit.SECONDS)
                    .createMessage(
                        CreateMessageRequest.newBuilder()
                            .setGuildId(cluster.demo.guildId())
                            .setChannelId(cluster.demo.channelId())
                            .setAuthorId(cluster.demo.users().get(0).id())
                            .setContent("during the rollout " + m)
                            .build())
                    .getId()));
        if (m == MESSAGES / 3) {
          // messages keep coming while gateway-0 drains: before op 7, on the old socket after it
          // (replayed on resume), and after the resume
          rollout = threads.submit(() -> cluster.gateways.get(0).stopGracefully(STOP_GRACE));
        }
        Thread.sleep(50);
      }
      for (int i = 0; i < CLIENTS; i++) {
        assertThat(received.get(i).get(2, TimeUnit.MINUTES)).as("client %d: every message once, in order", i).isEqualTo(sent);
        assertThat(clients.get(i).reconnects).as("client %d was asked to reconnect once", i).isEqualTo(1);
      }
      rollout.get(STOP_GRACE.toSeconds() + 10, TimeUnit.SECONDS);
      // 143 = ended by its own SIGTERM handling (graceful), not SIGKILL after the grace (137)
      assertThat(cluster.gateways.get(0).exitCode()).as("gateway-0 exit code").isEqualTo(143);
    } finally {
      threads.shutdownNow();
      clients.forEach(MovingClient::close);
    }
  }
}
