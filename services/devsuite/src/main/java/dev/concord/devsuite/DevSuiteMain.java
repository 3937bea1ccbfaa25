package dev.concord.devsuite;

import dev.concord.cluster.Channels;
import dev.concord.protocol.TokenVerifier;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;

/**
 * {@code make run}: starts the five services on their default ports, seeds the demo guild and
 * prints where to connect and a token per demo user. Stops on Ctrl-C.
 *
 * <p>The token key is {@code CONCORD_GATEWAY_TOKEN_SECRET} if set, else a fresh random one per run
 * (printed tokens are valid for that run only).
 */
public final class DevSuiteMain {
  /** A person's account in the demo guild, for the web app (printed; valid for this run's store only). */
  static final String DEMO_LOGIN = "demo";
  static final String DEMO_PASSWORD = "concord-demo";

  private DevSuiteMain() {}

  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    String secret = System.getenv("CONCORD_GATEWAY_TOKEN_SECRET");
    if (secret == null || secret.length() < 32) {
      byte[] b = new byte[32];
      new SecureRandom().nextBytes(b);
      secret = HexFormat.of().formatHex(b);
    }
    LocalSuite suite = LocalSuite.start(LocalSuite.Ports.defaults(), LocalSuite.Options.defaults(secret));
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  suite.close();
                  stop.countDown();
                }));
    DemoSeed.Demo demo;
    try (Channels channels = new Channels()) {
      demo =
          DemoSeed.seed(
              channels.forAddress(suite.guildAddress()), new TokenVerifier(secret), Duration.ofDays(7), Duration.ofSeconds(30));
      DemoSeed.person(channels.forAddress(suite.guildAddress()), demo, DEMO_LOGIN, DEMO_PASSWORD);
    }
    double ready = (System.nanoTime() - t0) / 1e9;
    StringBuilder out = new StringBuilder();
    out.append("\n=== Concord is up (ready in ").append(String.format("%.1f", ready)).append(" s) ===\n");
    out.append("Web app:             http://127.0.0.1:").append(suite.ports().gatewayHttp()).append("/app/  (log in as ")
        .append(DEMO_LOGIN).append(" / ").append(DEMO_PASSWORD).append(", a member of the demo guild, or register)\n");
    out.append("Gateway (WebSocket): ").append(suite.gatewayUrl()).append("/?v=10&encoding=json\n");
    out.append("REST:                http://127.0.0.1:").append(suite.ports().gatewayHttp()).append("/api/v10/gateway\n");
    out.append("Guild API (gRPC):    ").append(suite.guildAddress()).append("  (concord.guild.v1.GuildApi)\n");
    String tracing = System.getenv().getOrDefault("CONCORD_TRACING_MODE", "off");
    out.append("Tracing:             ").append(tracing)
        .append(tracing.equals("off") ? "  (make run TRACING=log prints each traced message's spans)" : ", head sampling "
            + System.getenv().getOrDefault("CONCORD_TRACING_SAMPLE_RATE", "0.01")).append('\n');
    out.append("Demo guild ").append(Long.toUnsignedString(demo.guildId()))
        .append(", channel #general ").append(Long.toUnsignedString(demo.channelId())).append('\n');
    for (DemoSeed.DemoUser u : demo.users()) {
      out.append("  ").append(u.username()).append(" (").append(Long.toUnsignedString(u.id())).append(") token: ")
          .append(u.token()).append('\n');
    }
    out.append("IDENTIFY with intents 33281 (GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT) or 33537 (+ GUILD_PRESENCES).\n");
    String rest = "http://127.0.0.1:" + suite.ports().gatewayHttp() + "/api/v10";
    out.append("Send a message as alice over REST:\n");
    out.append("  curl -X POST ").append(rest).append("/channels/").append(Long.toUnsignedString(demo.channelId()))
        .append("/messages -H 'Authorization: Bot ").append(demo.users().get(0).token())
        .append("' -H 'Content-Type: application/json' -d '{\"content\":\"hi\"}'\n");
    out.append("Bots: discord.js rest.api = http://127.0.0.1:").append(suite.ports().gatewayHttp())
        .append("/api ; JDA RestConfig base URL = ").append(rest).append("/ and gateway ").append(suite.gatewayUrl()).append("/\n");
    out.append("Ctrl-C stops everything.\n");
    System.out.println(out);
    stop.await();
  }
}
