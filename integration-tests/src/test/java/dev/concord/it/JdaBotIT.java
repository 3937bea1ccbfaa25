package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concord.devsuite.DemoSeed;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import net.dv8tion.jda.api.JDA;
import net.dv8tion.jda.api.JDABuilder;
import net.dv8tion.jda.api.entities.Guild;
import net.dv8tion.jda.api.entities.ISnowflake;
import net.dv8tion.jda.api.entities.Member;
import net.dv8tion.jda.api.entities.Message;
import net.dv8tion.jda.api.entities.MessageType;
import net.dv8tion.jda.api.entities.channel.concrete.TextChannel;
import net.dv8tion.jda.api.entities.emoji.Emoji;
import net.dv8tion.jda.api.events.message.MessageDeleteEvent;
import net.dv8tion.jda.api.events.message.MessageReceivedEvent;
import net.dv8tion.jda.api.events.message.MessageUpdateEvent;
import net.dv8tion.jda.api.events.message.react.MessageReactionAddEvent;
import net.dv8tion.jda.api.events.session.ReadyEvent;
import net.dv8tion.jda.api.events.session.ShutdownEvent;
import net.dv8tion.jda.api.exceptions.ErrorResponseException;
import net.dv8tion.jda.api.hooks.ListenerAdapter;
import net.dv8tion.jda.api.requests.ErrorResponse;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.requests.RestAction;
import net.dv8tion.jda.api.requests.RestConfig;
import net.dv8tion.jda.api.utils.ConcurrentSessionController;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real, unmodified JDA 6 bot against the in-JVM suite, with the library's defaults: zlib-stream,
 * {@code JDABuilder.create} (GUILD_MEMBERS intent, so ChunkingFilter.ALL and MemberCachePolicy.ALL),
 * {@code Authorization: Bot <token>} on REST. Only the two endpoints are pointed at the suite: the
 * REST base URL ({@link RestConfig#setBaseUrl}) and the gateway URL ({@code
 * SessionController#getGateway}); a single JDA never asks {@code /gateway/bot}.
 *
 * <p>alice (the guild's owner) runs the bot; bob posts over REST and watches with a raw gateway
 * client.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JdaBotIT {
  static final String SECRET = "jda-bot-test-secret-0123456789abcdef0123";
  static final Duration WAIT = Duration.ofSeconds(10);
  /** Below JDA's own 75 s guild-setup timeout, so a missing member chunk fails here, not later. */
  static final Duration READY_WAIT = Duration.ofSeconds(60);
  static final String THUMBS_UP = "\uD83D\uDC4D";
  static final long BOB_INTENTS =
      Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.GUILD_MESSAGE_REACTIONS | Intents.MESSAGE_CONTENT;
  static final JsonMapper JSON = JsonMapper.builder().build();

  static SuiteFixture fixture;
  static DemoSeed.Demo demo;
  static DemoSeed.DemoUser alice;
  static DemoSeed.DemoUser bob;
  static HttpClient http;
  static JDA jda;
  static final Events events = new Events();

  /** Everything the bot's listener saw, in arrival order per kind. */
  static final class Events extends ListenerAdapter {
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    final BlockingQueue<MessageReceivedEvent> received = new LinkedBlockingQueue<>();
    final BlockingQueue<MessageUpdateEvent> updated = new LinkedBlockingQueue<>();
    final BlockingQueue<MessageReactionAddEvent> reactions = new LinkedBlockingQueue<>();
    final BlockingQueue<MessageDeleteEvent> deleted = new LinkedBlockingQueue<>();

    @Override
    public void onReady(ReadyEvent event) {
      ready.complete(null);
    }

    @Override
    public void onShutdown(ShutdownEvent event) {
      ready.completeExceptionally(
          new IllegalStateException("JDA shut down before READY, close code " + event.getCode()));
    }

    @Override
    public void onMessageReceived(MessageReceivedEvent event) {
      received.add(event);
    }

    @Override
    public void onMessageUpdate(MessageUpdateEvent event) {
      updated.add(event);
    }

    @Override
    public void onMessageReactionAdd(MessageReactionAddEvent event) {
      reactions.add(event);
    }

    @Override
    public void onMessageDelete(MessageDeleteEvent event) {
      deleted.add(event);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    try {
      fixture = new SuiteFixture(SECRET);
      demo = fixture.demo;
      alice = demo.users().get(0);
      bob = demo.users().get(1);
      http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String gateway = fixture.suite.gatewayUrl() + "/";
      jda =
          JDABuilder.create(
                  alice.token(),
                  EnumSet.of(
                      GatewayIntent.GUILD_MEMBERS,
                      GatewayIntent.GUILD_MESSAGES,
                      GatewayIntent.MESSAGE_CONTENT,
                      GatewayIntent.GUILD_MESSAGE_REACTIONS))
              .setRestConfig(new RestConfig().setBaseUrl(restBase()))
              .setSessionController(
                  new ConcurrentSessionController() {
                    @Override
                    public String getGateway() {
                      return gateway;
                    }
                  })
              .addEventListeners(events)
              .build(); // GET /users/@me happens here, before the socket
      try {
        events.ready.get(READY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // JDA logs a payload it cannot parse ("Missing value for key ...") and waits on
        throw new AssertionError(
            "JDA not READY within " + READY_WAIT + ", status " + jda.getStatus() + " (see JDA's log for the payload it rejected)", e);
      }
    } catch (Exception | Error e) {
      stop();
      throw e;
    }
  }

  @AfterAll
  static void stop() throws InterruptedException {
    try {
      if (jda != null) {
        jda.shutdown();
        if (!jda.awaitShutdown(Duration.ofSeconds(10))) {
          jda.shutdownNow();
          jda.awaitShutdown(Duration.ofSeconds(5));
        }
      }
    } finally {
      jda = null;
      if (http != null) {
        http.close();
        http = null;
      }
      if (fixture != null) {
        fixture.close();
        fixture = null;
      }
    }
  }

  /** {@code http://127.0.0.1:PORT/api/v10/}: the gateway's host and port over HTTP. */
  static String restBase() {
    return fixture.suite.gatewayUrl().replaceFirst("^ws", "http") + "/api/v10/";
  }

  static String id(long snowflake) {
    return Long.toUnsignedString(snowflake);
  }

  @Test
  void ready_withDefaultMemberChunking_cachesGuildChannelAndBothMembers() {
    assertThat(jda.getStatus()).isEqualTo(JDA.Status.CONNECTED);
    assertThat(jda.getSelfUser().getIdLong()).isEqualTo(alice.id());
    assertThat(jda.getSelfUser().getName()).isEqualTo("alice");

    Guild guild = jda.getGuildById(demo.guildId());
    assertThat(guild).as("the demo guild is cached after READY").isNotNull();
    assertThat(guild.getName()).isEqualTo("Concord Demo");
    assertThat(guild.getPublicRole().getIdLong()).as("@everyone has the guild's id").isEqualTo(demo.guildId());
    assertThat(guild.getOwnerIdLong()).isEqualTo(alice.id());
    assertThat(guild.getSelfMember().isOwner()).isTrue();

    TextChannel general = jda.getTextChannelById(demo.channelId());
    assertThat(general).as("#general is cached as a text channel").isNotNull();
    assertThat(general.getName()).isEqualTo("general");
    assertThat(general.getTopic()).isEqualTo("Say hello");
    assertThat(general.getGuild()).isEqualTo(guild);

    assertThat(guild.getMemberCount()).isEqualTo(2);
    assertThat(guild.isLoaded()).as("every member is cached (member_count <= cached members)").isTrue();
    assertThat(guild.getMembers()).extracting(ISnowflake::getIdLong).containsExactlyInAnyOrder(alice.id(), bob.id());
    assertThat(guild.getMemberById(bob.id()).getUser().getName()).isEqualTo("bob");
  }

  @Test
  void requestGuildMembers_byIdsPrefixAndUnknownId_answeredWithNonceChunks() {
    Guild guild = jda.getGuildById(demo.guildId());
    assertThat(guild).isNotNull();

    // op 8 {guild_id, presences:false, user_ids:[<bob> as a JSON number], nonce}
    List<Member> byId = guild.retrieveMembersByIds(false, bob.id()).setTimeout(WAIT).get();
    assertThat(byId).extracting(ISnowflake::getIdLong).containsExactly(bob.id());
    assertThat(byId.get(0).getUser().getName()).isEqualTo("bob");

    // op 8 {guild_id, query:"bo", limit:10, nonce}
    List<Member> byPrefix = guild.retrieveMembersByPrefix("bo", 10).setTimeout(WAIT).get();
    assertThat(byPrefix).extracting(ISnowflake::getIdLong).containsExactly(bob.id());

    // not a member: one chunk with members [] (and not_found), still chunk_index 0 / chunk_count 1
    List<Member> unknown = guild.retrieveMembersByIds(false, 4_194_304L).setTimeout(WAIT).get();
    assertThat(unknown).isEmpty();
  }

  @Test
  void messageFlow_replyEditReactHistoryDelete_seenByJdaAndRawClient() throws Exception {
    TextChannel general = jda.getTextChannelById(demo.channelId());
    assertThat(general).isNotNull();
    String guildId = id(demo.guildId());
    String channelId = id(demo.channelId());

    try (GatewayClient watcher = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      assertThat(watcher.next(WAIT).path("op").asInt()).isEqualTo(10);
      watcher.identify(bob.token(), BOB_INTENTS);
      watcher.nextDispatch("GUILD_CREATE", WAIT);

      // bob posts over REST; JDA receives it through the gateway
      JsonNode posted = postAsBob(channelId, "ping from bob");
      long pingId = Long.parseUnsignedLong(posted.path("id").asString());
      MessageReceivedEvent got = awaitEvent(events.received, e -> e.getMessageIdLong() == pingId, "MESSAGE_CREATE of the ping");
      Message ping = got.getMessage();
      assertThat(ping.getContentRaw()).isEqualTo("ping from bob");
      assertThat(ping.getAuthor().getIdLong()).isEqualTo(bob.id());
      assertThat(ping.getChannel().getIdLong()).isEqualTo(demo.channelId());
      assertThat(got.isFromGuild()).as("MESSAGE_CREATE carries guild_id").isTrue();
      assertThat(got.getGuild().getIdLong()).isEqualTo(demo.guildId());
      awaitDispatch(watcher, "MESSAGE_CREATE", d -> d.path("id").asString().equals(id(pingId)));

      // reply: POST with message_reference {type:0, message_id, channel_id, guild_id, fail_if_not_exists:false}
      Message reply = await(ping.reply("pong"));
      assertThat(reply.getContentRaw()).isEqualTo("pong");
      assertThat(reply.getAuthor().getIdLong()).isEqualTo(alice.id());
      assertThat(reply.getType()).isEqualTo(MessageType.INLINE_REPLY);
      assertThat(reply.getMessageReference()).isNotNull();
      assertThat(reply.getMessageReference().getMessageIdLong()).isEqualTo(pingId);
      assertThat(reply.getMessageReference().getChannelIdLong()).isEqualTo(demo.channelId());
      assertThat(reply.getReferencedMessage()).as("referenced_message in the answer").isNotNull();
      assertThat(reply.getReferencedMessage().getContentRaw()).isEqualTo("ping from bob");
      long replyId = reply.getIdLong();
      String replyIdString = id(replyId);

      JsonNode created = awaitDispatch(watcher, "MESSAGE_CREATE", d -> d.path("id").asString().equals(replyIdString));
      assertThat(created.path("type").asInt()).isEqualTo(19);
      assertThat(created.path("content").asString()).isEqualTo("pong");
      assertThat(created.path("guild_id").asString()).isEqualTo(guildId);
      assertThat(created.path("author").path("id").asString()).isEqualTo(id(alice.id()));
      assertThat(created.path("message_reference").path("message_id").asString()).isEqualTo(id(pingId));
      assertThat(created.path("referenced_message").path("id").asString()).isEqualTo(id(pingId));
      Message ownCreate = awaitEvent(events.received, e -> e.getMessageIdLong() == replyId, "MESSAGE_CREATE of the reply").getMessage();
      assertThat(ownCreate.getMessageReference().getMessageIdLong()).isEqualTo(pingId);

      // edit: PATCH {content}
      Message edited = await(reply.editMessage("pong (edited)"));
      assertThat(edited.getIdLong()).isEqualTo(replyId);
      assertThat(edited.getContentRaw()).isEqualTo("pong (edited)");
      assertThat(edited.isEdited()).as("edited_timestamp is set").isTrue();
      JsonNode update = awaitDispatch(watcher, "MESSAGE_UPDATE", d -> d.path("id").asString().equals(replyIdString));
      assertThat(update.path("content").asString()).isEqualTo("pong (edited)");
      assertThat(update.path("channel_id").asString()).isEqualTo(channelId);
      MessageUpdateEvent jdaUpdate = awaitEvent(events.updated, e -> e.getMessageIdLong() == replyId, "MESSAGE_UPDATE (a full message)");
      assertThat(jdaUpdate.getMessage().getContentRaw()).isEqualTo("pong (edited)");

      // reaction: PUT /channels/{c}/messages/{m}/reactions/%F0%9F%91%8D/@me
      await(reply.addReaction(Emoji.fromUnicode(THUMBS_UP)));
      JsonNode reaction =
          awaitDispatch(watcher, "MESSAGE_REACTION_ADD", d -> d.path("message_id").asString().equals(replyIdString));
      assertThat(reaction.path("user_id").asString()).isEqualTo(id(alice.id()));
      assertThat(reaction.path("channel_id").asString()).isEqualTo(channelId);
      assertThat(reaction.path("guild_id").asString()).isEqualTo(guildId);
      assertThat(reaction.path("emoji").path("name").asString()).isEqualTo(THUMBS_UP);
      assertThat(reaction.path("emoji").path("id").isNull()).as("a unicode emoji has id null").isTrue();
      MessageReactionAddEvent jdaReaction = awaitEvent(events.reactions, e -> e.getMessageIdLong() == replyId, "MESSAGE_REACTION_ADD");
      assertThat(jdaReaction.getUserIdLong()).isEqualTo(alice.id());
      assertThat(jdaReaction.getEmoji().getName()).isEqualTo(THUMBS_UP);

      // history: GET /channels/{c}/messages?limit=10
      List<Message> history = await(general.getHistory().retrievePast(10));
      assertThat(history).extracting(ISnowflake::getIdLong).contains(pingId, replyId);
      Message replyInHistory = history.stream().filter(m -> m.getIdLong() == replyId).findFirst().orElseThrow();
      assertThat(replyInHistory.getContentRaw()).isEqualTo("pong (edited)");
      assertThat(replyInHistory.getMessageReference().getMessageIdLong()).isEqualTo(pingId);

      // one message: GET /channels/{c}/messages/{m}, with its reactions
      Message fetched = await(general.retrieveMessageById(replyId));
      assertThat(fetched.getContentRaw()).isEqualTo("pong (edited)");
      assertThat(fetched.getReactions())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getEmoji().getName()).isEqualTo(THUMBS_UP);
                assertThat(r.getCount()).isEqualTo(1);
                assertThat(r.isSelf()).as("me: alice reacted").isTrue();
              });

      // delete: DELETE /channels/{c}/messages/{m}
      await(reply.delete());
      JsonNode gone = awaitDispatch(watcher, "MESSAGE_DELETE", d -> d.path("id").asString().equals(replyIdString));
      assertThat(gone.path("channel_id").asString()).isEqualTo(channelId);
      assertThat(gone.path("guild_id").asString()).isEqualTo(guildId);
      awaitEvent(events.deleted, e -> e.getMessageIdLong() == replyId, "MESSAGE_DELETE");
      assertThatThrownBy(() -> await(general.retrieveMessageById(replyId)))
          .isInstanceOfSatisfying(
              ErrorResponseException.class,
              e -> {
                assertThat(e.getErrorResponse()).isEqualTo(ErrorResponse.UNKNOWN_MESSAGE);
                assertThat(e.getErrorCode()).isEqualTo(10008);
              });
    }
  }

  /** POST /api/v10/channels/{channel}/messages as bob, the way any HTTP client would. */
  static JsonNode postAsBob(String channelId, String content) throws Exception {
    String body = JSON.writeValueAsString(JSON.createObjectNode().put("content", content));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(restBase() + "channels/" + channelId + "/messages"))
            .timeout(WAIT)
            .header("Authorization", "Bot " + bob.token())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("POST message as bob: %s", response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** Completes a JDA request within {@link #WAIT}, rethrowing what it failed with. */
  static <T> T await(RestAction<T> action) throws Exception {
    try {
      return action.submit().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** The first event of {@code queue} matching {@code match} within {@link #WAIT}; others are dropped. */
  static <T> T awaitEvent(BlockingQueue<T> queue, Predicate<T> match, String what) throws InterruptedException {
    long end = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long left = end - System.nanoTime();
      T event = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
      if (event == null) {
        throw new AssertionError("JDA delivered no " + what + " within " + WAIT + " (a payload it could not parse is only logged)");
      }
      if (match.test(event)) {
        return event;
      }
    }
  }

  /**
   * The {@code d} of the first dispatch {@code t} matching {@code match} within {@link #WAIT}. A
   * heartbeat first keeps the raw session alive (the test client does not beat on its own).
   */
  static JsonNode awaitDispatch(GatewayClient c, String t, Predicate<JsonNode> match) throws InterruptedException {
    c.send("{\"op\":1,\"d\":null}");
    long end = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching " + t + " within " + WAIT);
      }
      JsonNode f = c.next(Duration.ofNanos(left));
      if (f.path("op").asInt() == 0 && t.equals(f.path("t").asString()) && match.test(f.path("d"))) {
        return f.path("d");
      }
    }
  }
}
