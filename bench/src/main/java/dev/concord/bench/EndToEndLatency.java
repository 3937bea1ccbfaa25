package dev.concord.bench;

import dev.concord.cluster.Channels;
import dev.concord.devsuite.DemoSeed;
import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.Message;
import dev.concord.protocol.Intents;
import dev.concord.protocol.TokenVerifier;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * End-to-end latency of one chat message over loopback: the time from the gRPC CreateMessage call
 * (an API client) until the MESSAGE_CREATE frame is received by a real WebSocket client, through
 * guild event loop → relay stream → session worker → session link → gateway write path.
 *
 * <p>Workload: the five services in one JVM (the dev suite, real gRPC over loopback), the demo
 * guild with two connected members; {@code --warmup} messages are sent and discarded, then {@code
 * --messages} sequential messages are timed (the next is sent when the previous frame arrived).
 * Also prints the suite's time from start to ready (services up and demo seeded).
 *
 * <p>Run: {@code make bench-e2e} (or {@code make bench-e2e BENCH_ARGS="--messages 5000"}).
 */
public final class EndToEndLatency {
  private EndToEndLatency() {}

  public static void main(String[] args) throws Exception {
    int messages = BenchArgs.intArg(args, "--messages", 1000);
    int warmup = BenchArgs.intArg(args, "--warmup", 500);
    String secret = "bench-secret-0123456789abcdef0123456789";
    Duration wait = Duration.ofSeconds(10);

    long t0 = System.nanoTime();
    try (LocalSuite suite = LocalSuite.start(LocalSuite.Ports.free(), LocalSuite.Options.defaults(secret));
        Channels channels = new Channels()) {
      DemoSeed.Demo demo =
          DemoSeed.seed(
              channels.forAddress(suite.guildAddress()), new TokenVerifier(secret), Duration.ofHours(1), Duration.ofSeconds(30));
      double readySeconds = (System.nanoTime() - t0) / 1e9;
      String url = suite.gatewayUrl() + "/?v=10&encoding=json";
      long intents = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;
      try (GatewayClient alice = GatewayClient.connect(url);
          GatewayClient bob = GatewayClient.connect(url)) {
        alice.identify(demo.users().get(0).token(), intents);
        bob.identify(demo.users().get(1).token(), intents);
        alice.nextDispatch("GUILD_CREATE", wait);
        bob.nextDispatch("GUILD_CREATE", wait);
        var api = GuildApiGrpc.newBlockingStub(channels.forAddress(suite.guildAddress()));
        long[] micros = new long[messages];
        for (int i = -warmup; i < messages; i++) {
          long start = System.nanoTime();
          Message m =
              api.withDeadlineAfter(5, TimeUnit.SECONDS)
                  .createMessage(
                      CreateMessageRequest.newBuilder()
                          .setGuildId(demo.guildId())
                          .setChannelId(demo.channelId())
                          .setAuthorId(demo.users().get(0).id())
                          .setContent("latency probe " + i)
                          .build());
          String id = Long.toUnsignedString(m.getId());
          JsonNode frame;
          do {
            frame = bob.nextDispatch("MESSAGE_CREATE", wait);
          } while (!id.equals(frame.path("d").path("id").asString()));
          long elapsed = System.nanoTime() - start;
          alice.drain();
          if (i >= 0) {
            micros[i] = elapsed / 1000;
          }
        }
        Arrays.sort(micros);
        System.out.printf(
            "%nConcord end-to-end message latency (gRPC CreateMessage -> WebSocket MESSAGE_CREATE), loopback, 5 services in one JVM%n");
        System.out.printf("  suite start to ready (services up + demo seeded): %.2f s%n", readySeconds);
        System.out.printf("  messages: %d sequential (after %d warm-up)%n", messages, warmup);
        System.out.printf(
            "  median %.3f ms | p90 %.3f ms | p99 %.3f ms | max %.3f ms%n",
            BenchArgs.percentile(micros, 50) / 1000.0,
            BenchArgs.percentile(micros, 90) / 1000.0,
            BenchArgs.percentile(micros, 99) / 1000.0,
            micros[micros.length - 1] / 1000.0);
      }
    }
    System.exit(0);
  }
}
