package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.DemoSeed;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real, unmodified discord.js v14 bot (npm package, the machine's Node.js, zlib-stream through
 * zlib-sync) against the suite: it logs in (GET /gateway/bot), becomes ready with the guild, its
 * channel and both members cached, receives a message bob posts over REST, replies to it, edits
 * and reacts to the reply, fetches history and deletes the reply; bob's own socket sees every one
 * of those events. The bot is {@code src/test/js/discordjs/bot.mjs}; its packages are installed
 * by the build ({@code npm ci} in pre-integration-test).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DiscordJsIT {
  static final String SECRET = "discordjs-test-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(20);
  static final Path BOT_DIR = Path.of("src/test/js/discordjs");
  static final JsonMapper JSON = JsonMapper.builder().build();

  static SuiteFixture fixture;
  static DemoSeed.Demo demo;

  @BeforeAll
  static void start() {
    assertThat(BOT_DIR.resolve("node_modules/discord.js"))
        .as("discord.js is installed (the build runs npm ci in %s)", BOT_DIR)
        .exists();
    fixture = new SuiteFixture(SECRET);
    demo = fixture.demo;
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void bot_replyEditReactFetchDelete_worksAndPeersSeeEveryEvent() throws Exception {
    String http = fixture.suite.gatewayUrl().replace("ws://", "http://");
    String guildId = Long.toUnsignedString(demo.guildId());
    String channelId = Long.toUnsignedString(demo.channelId());
    String peerContent = "ping from bob for discord.js";
    ProcessBuilder pb = new ProcessBuilder("node", "bot.mjs").directory(BOT_DIR.toFile());
    pb.environment().put("CONCORD_API", http + "/api");
    pb.environment().put("CONCORD_TOKEN", demo.users().get(0).token());
    pb.environment().put("CONCORD_GUILD_ID", guildId);
    pb.environment().put("CONCORD_CHANNEL_ID", channelId);
    pb.environment().put("CONCORD_PEER_CONTENT", peerContent);
    Path stderr = Files.createTempFile("discordjs-bot", ".log");
    pb.redirectError(stderr.toFile());
    Process bot = pb.start();
    LinkedBlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    List<String> raw = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  try (BufferedReader r = new BufferedReader(new InputStreamReader(bot.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                      raw.add(line);
                      try {
                        lines.add(JSON.readTree(line));
                      } catch (RuntimeException e) {
                        lines.add(JSON.createObjectNode().put("event", "unparsable").put("line", line));
                      }
                    }
                  } catch (IOException e) {
                    // the process ended
                  }
                });
    try (GatewayClient bob = GatewayClient.connect(fixture.url("v=10&encoding=json"));
        HttpClient rest = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      bob.next(WAIT);
      bob.identify(demo.users().get(1).token(), Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT | Intents.GUILD_MESSAGE_REACTIONS);
      bob.nextDispatch("READY", WAIT);
      bob.nextDispatch("GUILD_CREATE", WAIT);

      JsonNode ready = until(lines, "ready", raw, stderr);
      assertThat(ready.path("guilds").toString()).contains(guildId);
      assertThat(ready.path("available").asBoolean()).as("the guild is available").isTrue();
      assertThat(ready.path("channels").asInt()).isEqualTo(1);
      assertThat(ready.path("members").asInt()).as("both members cached from GUILD_CREATE").isEqualTo(2);

      HttpResponse<String> posted =
          rest.send(
              HttpRequest.newBuilder(URI.create(http + "/api/v10/channels/" + channelId + "/messages"))
                  .header("Authorization", "Bot " + demo.users().get(1).token())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"" + peerContent + "\"}"))
                  .timeout(WAIT)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
      String pingId = JSON.readTree(posted.body()).path("id").asString();

      JsonNode peer = until(lines, "peerMessage", raw, stderr);
      assertThat(peer.path("id").asString()).isEqualTo(pingId);
      assertThat(peer.path("author").asString()).isEqualTo(Long.toUnsignedString(demo.users().get(1).id()));

      JsonNode replied = until(lines, "replied", raw, stderr);
      String replyId = replied.path("id").asString();
      assertThat(replied.path("referenced").asString()).isEqualTo(pingId);
      assertThat(replied.path("content").asString()).isEqualTo("pong");
      JsonNode edited = until(lines, "edited", raw, stderr);
      assertThat(edited.path("content").asString()).isEqualTo("pong (edited)");
      assertThat(edited.path("embedTitle").asString()).as("discord.js parsed the embed Concord answered").isEqualTo("Scores");
      JsonNode reacted = until(lines, "reacted", raw, stderr);
      assertThat(reacted.path("emoji").asString()).isEqualTo("👍");
      assertThat(until(lines, "fetched", raw, stderr).path("ids").toString()).contains(pingId, replyId);
      assertThat(until(lines, "deleted", raw, stderr).path("id").asString()).isEqualTo(replyId);
      JsonNode done = until(lines, "done", raw, stderr);
      assertThat(done.path("gateway").path("MESSAGE_UPDATE").asBoolean()).as("discord.js emitted messageUpdate").isTrue();
      assertThat(done.path("gateway").path("MESSAGE_REACTION_ADD").asBoolean()).as("discord.js emitted messageReactionAdd").isTrue();
      assertThat(done.path("gateway").path("MESSAGE_DELETE").asBoolean()).as("discord.js emitted messageDelete").isTrue();
      assertThat(bot.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(bot.exitValue()).isZero();

      // bob saw the whole exchange on his own socket
      JsonNode create = bob.nextDispatch("MESSAGE_CREATE", WAIT);
      assertThat(create.path("d").path("id").asString()).isEqualTo(pingId);
      create = bob.nextDispatch("MESSAGE_CREATE", WAIT);
      assertThat(create.path("d").path("id").asString()).isEqualTo(replyId);
      assertThat(create.path("d").path("type").asInt()).isEqualTo(19);
      assertThat(create.path("d").path("referenced_message").path("id").asString()).isEqualTo(pingId);
      JsonNode update = bob.nextDispatch("MESSAGE_UPDATE", WAIT).path("d");
      assertThat(update.path("content").asString()).isEqualTo("pong (edited)");
      assertThat(update.path("embeds").get(0).path("description").asString()).isEqualTo("all green");
      assertThat(bob.nextDispatch("MESSAGE_REACTION_ADD", WAIT).path("d").path("message_id").asString()).isEqualTo(replyId);
      assertThat(bob.nextDispatch("MESSAGE_DELETE", WAIT).path("d").path("id").asString()).isEqualTo(replyId);
    } finally {
      bot.destroyForcibly();
      bot.waitFor(10, TimeUnit.SECONDS);
      reader.join(5_000);
    }
  }

  /** The next line of {@code event}, failing with everything the bot printed on an error line or a timeout. */
  private static JsonNode until(LinkedBlockingQueue<JsonNode> lines, String event, List<String> raw, Path stderr) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonNode n = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (n == null || List.of("error", "timeout").contains(n.path("event").asString(""))) {
        throw new AssertionError(
            "discord.js bot: waiting for '" + event + "', got " + (n == null ? "nothing" : n) + "\nstdout:\n" + String.join("\n", raw)
                + "\nstderr (tail):\n" + tail(stderr));
      }
      if (n.path("event").asString("").equals(event)) {
        return n;
      }
    }
  }

  private static String tail(Path file) throws IOException {
    List<String> all = Files.readAllLines(file);
    return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
  }
}
