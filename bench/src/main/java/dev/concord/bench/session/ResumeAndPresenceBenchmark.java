package dev.concord.bench.session;

import dev.concord.bench.BenchArgs;
import dev.concord.cluster.Channels;
import dev.concord.devsuite.DemoSeed;
import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.presence.v1.GetPresencesRequest;
import dev.concord.proto.presence.v1.PresenceGrpc;
import dev.concord.protocol.Intents;
import dev.concord.protocol.TokenVerifier;
import dev.concord.session.presence.PresenceLink;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * Two numbers of the session service, over the real suite (five services, gRPC on loopback, real
 * WebSocket clients):
 *
 * <ul>
 *   <li><b>Resume latency:</b> a client's socket drops, {@code --missed} messages are published,
 *       the client resumes on the other gateway; timed from sending RESUME until RESUMED arrives
 *       (after all missed dispatches). Median and p99 over {@code --iterations} resumes.
 *   <li><b>Presence rebuild:</b> {@code --presence-sessions} sessions hold a presence; the presence
 *       service is stopped (its state is gone) and a new one started; timed until the new one
 *       reports every one of those users online again.
 * </ul>
 *
 * <p>Run: {@code make bench-session}.
 */
public final class ResumeAndPresenceBenchmark {
  private ResumeAndPresenceBenchmark() {}

  public static void main(String[] args) throws Exception {
    int iterations = BenchArgs.intArg(args, "--iterations", 50);
    int missed = BenchArgs.intArg(args, "--missed", 20);
    int presenceSessions = BenchArgs.intArg(args, "--presence-sessions", 10_000);
    String secret = "bench-session-secret-0123456789abcdef01";
    Duration wait = Duration.ofSeconds(10);
    try (LocalSuite suite = LocalSuite.start(LocalSuite.Ports.free(), LocalSuite.Options.defaults(secret).withGateways(2));
        Channels channels = new Channels()) {
      DemoSeed.Demo demo =
          DemoSeed.seed(
              channels.forAddress(suite.guildAddress()), new TokenVerifier(secret), Duration.ofHours(1), Duration.ofSeconds(30));
      var api = GuildApiGrpc.newBlockingStub(channels.forAddress(suite.guildAddress()));
      String token = demo.users().get(0).token();

      long[] nanos = new long[iterations];
      int gw = 0;
      GatewayClient c = GatewayClient.connect(suite.gatewayUrl(gw) + "/?v=10&encoding=json");
      c.next(wait);
      c.identify(token, Intents.GUILDS | Intents.GUILD_MESSAGES);
      String sessionId = c.nextDispatch("READY", wait).path("d").path("session_id").asString();
      long seq = c.nextDispatch("GUILD_CREATE", wait).path("s").asLong();
      for (int i = -5; i < iterations; i++) {
        c.abort();
        for (int m = 0; m < missed; m++) {
          api.withDeadlineAfter(5, TimeUnit.SECONDS)
              .createMessage(
                  CreateMessageRequest.newBuilder()
                      .setGuildId(demo.guildId())
                      .setChannelId(demo.channelId())
                      .setAuthorId(demo.users().get(1).id())
                      .setContent("missed " + m)
                      .build());
        }
        gw = 1 - gw;
        c = GatewayClient.connect(suite.gatewayUrl(gw) + "/?v=10&encoding=json");
        c.next(wait);
        long t0 = System.nanoTime();
        c.resume(token, sessionId, seq);
        int replayed = 0;
        while (true) {
          JsonNode f = c.next(wait);
          seq = f.path("s").asLong(seq);
          if ("RESUMED".equals(f.path("t").asString())) {
            break;
          }
          replayed++;
        }
        if (replayed != missed) {
          throw new IllegalStateException("replayed " + replayed + " dispatches, expected " + missed);
        }
        if (i >= 0) {
          nanos[i] = System.nanoTime() - t0;
        }
      }
      c.close();
      Arrays.sort(nanos);

      // presence rebuild
      PresenceLink link = suite.sessionBean(PresenceLink.class);
      long firstUser = 9_000_000_000L;
      for (int i = 0; i < presenceSessions; i++) {
        link.update(firstUser + i, "bench-" + i, "online", "desktop", "[]", List.of());
      }
      var presenceChannel = channels.forAddress("127.0.0.1:" + suite.ports().presenceGrpc());
      var presence = PresenceGrpc.newBlockingStub(presenceChannel);
      awaitAllOnline(presence, firstUser, presenceSessions, Duration.ofSeconds(60));
      long stopAt = System.nanoTime();
      suite.stopPresence();
      suite.startPresence();
      long startedAt = System.nanoTime();
      presenceChannel.resetConnectBackoff(); // the benchmark's own probe must not wait on backoff
      awaitAllOnline(presence, firstUser, presenceSessions, Duration.ofSeconds(60));
      long doneAt = System.nanoTime();

      System.out.printf("%nSession service over the real suite (loopback, %d cores)%n", Runtime.getRuntime().availableProcessors());
      System.out.printf(
          "  resume on the other gateway with %d missed dispatches: median %.2f ms, p99 %.2f ms (%d resumes)%n",
          missed, BenchArgs.percentile(nanos, 50) / 1e6, BenchArgs.percentile(nanos, 99) / 1e6, iterations);
      System.out.printf(
          "  presence rebuild for %,d sessions: %.2f s after the new presence service started (%.2f s after the old one stopped)%n",
          presenceSessions, (doneAt - startedAt) / 1e9, (doneAt - stopAt) / 1e9);
    }
    System.exit(0);
  }

  private static void awaitAllOnline(PresenceGrpc.PresenceBlockingStub presence, long firstUser, int n, Duration max)
      throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    while (true) {
      int online = 0;
      try {
        for (int from = 0; from < n; from += 1000) {
          GetPresencesRequest.Builder b = GetPresencesRequest.newBuilder();
          for (int i = from; i < Math.min(n, from + 1000); i++) {
            b.addUserIds(firstUser + i);
          }
          online +=
              (int)
                  presence.withDeadlineAfter(2, TimeUnit.SECONDS).getPresences(b.build()).getPresencesList().stream()
                      .filter(p -> p.getStatus().equals("online"))
                      .count();
        }
      } catch (RuntimeException e) {
        online = -1; // presence not up yet
      }
      if (online == n) {
        return;
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException("only " + online + " of " + n + " users online after " + max);
      }
      Thread.sleep(20);
    }
  }
}
