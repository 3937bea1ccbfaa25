package dev.concord.guild.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concord.guild.store.GuildStore;
import dev.concord.guild.store.JdbcGuildStore;
import dev.concord.guild.store.TestDatabase;
import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Message operations as plain functions of a {@link GuildState}: no loop, no journal, no server.
 * Each test builds a guild in memory, applies one operation to a {@link Step}, and checks the
 * state, the rows and the events.
 */
class MessageOpsTest {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final long GUILD = 1_000;
  static final long OWNER = 1;
  static final long BOB = 2;
  static final long CHANNEL = 10;

  record Event(String type, JsonNode d, long intents, long channelId) {}

  /** Records each event as the step emits it. */
  static final class Recorder implements Fanout {
    final List<Event> events = new ArrayList<>();

    @Override
    public Runnable publish(GuildState state, String type, byte[] payload, long intents, long channelId, long messageId) {
      events.add(new Event(type, JSON.readTree(payload), intents, channelId));
      return () -> {};
    }

    @Override
    public Runnable publishTo(
        GuildState state, java.util.Map<String, java.util.LinkedHashSet<Long>> byPod, String type, byte[] payload, long intents) {
      events.add(new Event(type, JSON.readTree(payload), intents, 0));
      return () -> {};
    }

    @Override
    public Runnable visibility(GuildState state, GuildState.Subscriber subscriber, long[] hidden) {
      return () -> {};
    }

    @Override
    public Runnable rejoin(GuildState state) {
      return () -> {};
    }
  }

  private final Users users = new Users(new JdbcGuildStore(TestDatabase.postgres()), 10_000);
  private final OpContext ctx = new OpContext(new Payloads(), users, SnowflakeGenerator.forNode(7), Clock.systemUTC());
  private final MessageOps ops = new MessageOps(ctx);
  private final GuildState g = new GuildState(GUILD, "Guild", OWNER, Long.parseLong(Payloads.EVERYONE_PERMISSIONS), 1);
  private final Recorder fanout = new Recorder();

  MessageOpsTest() {
    users.cacheAll(List.of(new GuildStore.UserRow(OWNER, "owner", "Owner", false), new GuildStore.UserRow(BOB, "bob", "", false)));
    g.members.put(OWNER, new GuildState.Member(OWNER, 0));
    g.members.put(BOB, new GuildState.Member(BOB, 0));
    g.channels.put(CHANNEL, new GuildState.Channel(CHANNEL, "general", "", 0, 0, List.of()));
  }

  private <T> T apply(GuildOp<T> op, Step step) {
    return op.apply(g, step);
  }

  private Step step() {
    return new Step(g, fanout);
  }

  private MessageOps.Stored stored(long id, long author, String content) {
    return new MessageOps.Stored(
        new GuildStore.MessageRow(id, CHANNEL, GUILD, author, content, "", SnowflakeGenerator.timestamp(id)), users.get(author));
  }

  @Test
  void create_reply_isType19WithTheReferencedMessage() {
    long parentId = ctx.ids().next();
    Step step = step();
    MessageOps.CreatedMessage m = apply(ops.create(CHANNEL, BOB, "re", "", false, parentId, stored(parentId, OWNER, "parent"), true), step);
    JsonNode d = JSON.readTree(m.json());
    assertThat(d.path("type").asInt()).isEqualTo(19);
    assertThat(d.path("message_reference").path("message_id").asString()).isEqualTo(Long.toUnsignedString(parentId));
    assertThat(d.path("referenced_message").path("content").asString()).isEqualTo("parent");
    assertThat(step.writes()).singleElement().isInstanceOfSatisfying(GuildStore.MessageRow.class, r -> assertThat(r.referencedId()).isEqualTo(parentId));
    assertThat(fanout.events).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo("MESSAGE_CREATE");
      assertThat(e.intents()).isEqualTo(Intents.GUILD_MESSAGES);
      assertThat(e.channelId()).isEqualTo(CHANNEL);
    });
  }

  @Test
  void create_replyToMissing_failsOrSendsPlain() {
    assertThatThrownBy(() -> apply(ops.create(CHANNEL, BOB, "re", "", false, 42, null, true), step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.INVALID_FORM_BODY));
    MessageOps.CreatedMessage plain = apply(ops.create(CHANNEL, BOB, "re", "", false, 42, null, false), step());
    assertThat(JSON.readTree(plain.json()).path("type").asInt()).isZero();
  }

  @Test
  void create_enforcedNonce_returnsTheFirstMessageAndEmitsOnce() {
    MessageOps.CreatedMessage first = apply(ops.create(CHANNEL, BOB, "hi", "n1", true, 0, null, false), step());
    Step again = step();
    MessageOps.CreatedMessage second = apply(ops.create(CHANNEL, BOB, "hi", "n1", true, 0, null, false), again);
    assertThat(second.id()).isEqualTo(first.id());
    assertThat(again.isEmpty()).isTrue();
    assertThat(fanout.events).hasSize(1);
    // without enforce_nonce the same nonce makes a new message
    assertThat(apply(ops.create(CHANNEL, BOB, "hi", "n1", false, 0, null, false), step()).id()).isNotEqualTo(first.id());
  }

  @Test
  void create_nonMemberOrHiddenChannel_isRefusedWithMissingAccess() {
    users.cacheAll(List.of(new GuildStore.UserRow(3, "carol", "", false)));
    assertThatThrownBy(() -> apply(ops.create(CHANNEL, 3, "hi", "", false, 0, null, false), step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.MISSING_ACCESS));
    g.channels.put(CHANNEL, g.channels.get(CHANNEL).withOverwrite(new GuildState.Overwrite(GUILD, Permissions.ROLE, 0, Permissions.VIEW_CHANNEL)));
    assertThatThrownBy(() -> apply(ops.create(CHANNEL, BOB, "hi", "", false, 0, null, false), step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.MISSING_ACCESS));
  }

  @Test
  void edit_onlyByItsAuthor_andNeverAfterADelete() {
    long id = ctx.ids().next();
    assertThatThrownBy(() -> apply(ops.edit(CHANNEL, OWNER, stored(id, BOB, "bob's"), "x"), step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.CANNOT_EDIT_OTHERS_MESSAGE));
    Step step = step();
    JsonNode d = JSON.readTree(apply(ops.edit(CHANNEL, BOB, stored(id, BOB, "bob's"), "bob's, edited"), step));
    assertThat(d.path("content").asString()).isEqualTo("bob's, edited");
    assertThat(Instant.parse(d.path("edited_timestamp").asString())).isNotNull();
    assertThat(fanout.events).extracting(Event::type).containsExactly("MESSAGE_UPDATE");
    assertThat(step.writes()).singleElement().isInstanceOf(GuildStore.MessageEdit.class);

    apply(ops.delete(CHANNEL, BOB, stored(id, BOB, "bob's")), step());
    // a row read before the delete committed: the loop knows better
    assertThatThrownBy(() -> apply(ops.edit(CHANNEL, BOB, stored(id, BOB, "bob's"), "late"), step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.UNKNOWN_MESSAGE));
  }

  @Test
  void delete_othersNeedsManageMessages_theOwnerHasIt() {
    long id = ctx.ids().next();
    assertThatThrownBy(() -> apply(ops.delete(CHANNEL, BOB, stored(id, OWNER, "owner's")), step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.MISSING_PERMISSIONS));
    Step step = step();
    apply(ops.delete(CHANNEL, OWNER, stored(id, BOB, "bob's")), step);
    assertThat(step.writes()).singleElement().isInstanceOfSatisfying(GuildStore.MessageDelete.class, d -> assertThat(d.id()).isEqualTo(id));
    assertThat(fanout.events).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo("MESSAGE_DELETE");
      assertThat(e.d().path("id").asString()).isEqualTo(Long.toUnsignedString(id));
    });
  }

  @Test
  void react_sameReactionTwice_changesOnce_thenRemoves() {
    long id = ctx.ids().next();
    assertThat(apply(ops.react(CHANNEL, BOB, stored(id, OWNER, "m"), "👍", BOB, true, false), step())).isTrue();
    // the store read for the second one happened before the first committed: it says "absent"
    assertThat(apply(ops.react(CHANNEL, BOB, stored(id, OWNER, "m"), "👍", BOB, true, false), step())).isFalse();
    assertThat(apply(ops.react(CHANNEL, BOB, stored(id, OWNER, "m"), "👍", BOB, false, true), step())).isTrue();
    assertThat(fanout.events).extracting(Event::type).containsExactly("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE");
    assertThat(fanout.events.get(0).intents()).isEqualTo(Intents.GUILD_MESSAGE_REACTIONS);
    assertThat(fanout.events.get(0).d().path("emoji").path("name").asString()).isEqualTo("👍");
    assertThatThrownBy(() -> ops.react(CHANNEL, BOB, stored(id, OWNER, "m"), "party:123", BOB, true, false))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.UNKNOWN_EMOJI));
  }

  @Test
  void bulkDelete_boundsAndAge_areChecked() {
    assertThatThrownBy(() -> ops.bulkDelete(CHANNEL, OWNER, List.of(1L), List.of()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.INVALID_FORM_BODY));
    long old = SnowflakeGenerator.forNode(1).next() - ((15L * 24 * 3600 * 1000) << 22);
    long fresh = ctx.ids().next();
    assertThatThrownBy(() -> ops.bulkDelete(CHANNEL, OWNER, List.of(old, fresh), List.of()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.BULK_DELETE_TOO_OLD));
    long other = ctx.ids().next();
    Step step = step();
    int n = apply(ops.bulkDelete(CHANNEL, OWNER, List.of(fresh, other), List.of(stored(fresh, BOB, "a").row(), stored(other, BOB, "b").row())), step);
    assertThat(n).isEqualTo(2);
    assertThat(fanout.events).singleElement().satisfies(e -> assertThat(e.type()).isEqualTo("MESSAGE_DELETE_BULK"));
  }

  @Test
  void memberChunks_splitAtAThousand_withIndexCountNonceAndNotFound() {
    GuildViews views = new GuildViews(ctx);
    List<GuildStore.UserRow> rows = new ArrayList<>();
    for (long u = 100; u < 2_600; u++) {
      rows.add(new GuildStore.UserRow(u, "user" + u, "", false));
      g.members.put(u, new GuildState.Member(u, 0));
    }
    users.cacheAll(rows);
    List<byte[]> chunks = views.memberChunks("", List.of(), 0, false, "abc").apply(g, step());
    assertThat(chunks).hasSize(3);
    JsonNode last = JSON.readTree(chunks.get(2));
    assertThat(last.path("chunk_index").asInt()).isEqualTo(2);
    assertThat(last.path("chunk_count").asInt()).isEqualTo(3);
    assertThat(last.path("nonce").asString()).isEqualTo("abc");
    int total = 0;
    for (byte[] c : chunks) {
      total += JSON.readTree(c).path("members").size();
    }
    assertThat(total).isEqualTo(2_502);

    List<byte[]> byId = views.memberChunks("", List.of(BOB, 999_999L), 0, false, "").apply(g, step());
    JsonNode one = JSON.readTree(byId.get(0));
    assertThat(one.path("members").size()).isEqualTo(1);
    assertThat(one.path("not_found").get(0).asString()).isEqualTo("999999");
    JsonNode prefix = JSON.readTree(views.memberChunks("USER10", List.of(), 5, false, "").apply(g, step()).get(0));
    assertThat(prefix.path("members").size()).isEqualTo(5);
  }

  @Test
  void create_withEmbeds_storedRenderedAndStrippedWithoutMessageContent() {
    String embeds = "[{\"title\":\"Build\",\"description\":\"green\",\"color\":5763719}]";
    Step step = step();
    MessageOps.CreatedMessage m =
        apply(ops.create(CHANNEL, BOB, new MessageContent.Draft("", embeds, null), "", false, 0, null, false), step);
    JsonNode d = JSON.readTree(m.json());
    assertThat(d.path("content").asString()).isEmpty();
    assertThat(d.path("embeds").get(0).path("title").asString()).isEqualTo("Build");
    assertThat(step.writes()).singleElement().isInstanceOfSatisfying(GuildStore.MessageRow.class, r -> assertThat(r.embedsJson()).isEqualTo(embeds));
    // a stored row renders the same embeds
    GuildStore.MessageRow row = (GuildStore.MessageRow) step.writes().getFirst();
    assertThat(ops.render(new MessageOps.Stored(row, users.get(BOB)), null, List.of()).path("embeds").get(0).path("color").asInt()).isEqualTo(5763719);

    assertThatThrownBy(() -> apply(ops.create(CHANNEL, BOB, new MessageContent.Draft("", "[]", null), "", false, 0, null, false), step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.EMPTY_MESSAGE));
    for (String bad : List.of("{}", "[1]", "not json", "[" + "{},".repeat(10) + "{}]")) {
      assertThatThrownBy(() -> apply(ops.create(CHANNEL, BOB, new MessageContent.Draft("x", bad, null), "", false, 0, null, false), step()))
          .as(bad)
          .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.INVALID_FORM_BODY));
    }
  }

  @Test
  void allowedMentions_narrowWhoIsMentioned_andAreStored() {
    String text = "<@" + OWNER + "> and <@" + BOB + ">";
    Step step = step();
    MessageOps.CreatedMessage m =
        apply(ops.create(CHANNEL, BOB, new MessageContent.Draft(text, "", new MessageContent.Allowed(false, List.of(BOB), false)), "", false, 0, null, false), step);
    assertThat(JSON.readTree(m.json()).path("mentions")).extracting(u -> u.path("id").asString()).containsExactly(Long.toString(BOB));
    GuildStore.MessageRow row = (GuildStore.MessageRow) step.writes().getFirst();
    assertThat(row.mentionIds()).isEqualTo(Long.toString(BOB));
    // history shows the stored mentions, not a re-parse of the text
    assertThat(ops.render(new MessageOps.Stored(row, users.get(BOB)), null, List.of()).path("mentions"))
        .extracting(u -> u.path("id").asString())
        .containsExactly(Long.toString(BOB));
    // parse: [] mentions nobody
    MessageOps.CreatedMessage none =
        apply(ops.create(CHANNEL, BOB, new MessageContent.Draft(text, "", new MessageContent.Allowed(false, List.of(), false)), "", false, 0, null, false), step());
    assertThat(JSON.readTree(none.json()).path("mentions")).isEmpty();
  }

  @Test
  void reply_mentionsTheRepliedAuthor_unlessAllowedMentionsSaysNo() {
    long parentId = ctx.ids().next();
    MessageOps.CreatedMessage byDefault = apply(ops.create(CHANNEL, BOB, "re", "", false, parentId, stored(parentId, OWNER, "parent"), true), step());
    assertThat(JSON.readTree(byDefault.json()).path("mentions")).extracting(u -> u.path("id").asString()).containsExactly(Long.toString(OWNER));
    MessageOps.CreatedMessage quiet =
        apply(
            ops.create(
                CHANNEL, BOB, new MessageContent.Draft("re", "", new MessageContent.Allowed(true, List.of(), false)), "", false, parentId, stored(parentId, OWNER, "parent"), true),
            step());
    assertThat(JSON.readTree(quiet.json()).path("mentions")).isEmpty();
  }

  @Test
  void edit_replacesOnlyWhatIsGiven() {
    long id = ctx.ids().next();
    GuildStore.MessageRow row =
        new GuildStore.MessageRow(id, CHANNEL, GUILD, BOB, "text", "", SnowflakeGenerator.timestamp(id), 0, null, "[{\"title\":\"t\"}]", "");
    Step step = step();
    JsonNode d = JSON.readTree(apply(ops.edit(CHANNEL, BOB, new MessageOps.Stored(row, users.get(BOB)), null, "[{\"title\":\"new\"}]", null), step));
    assertThat(d.path("content").asString()).isEqualTo("text");
    assertThat(d.path("embeds").get(0).path("title").asString()).isEqualTo("new");
    assertThat(step.writes()).singleElement().isInstanceOfSatisfying(GuildStore.MessageEdit.class, e -> assertThat(e.content()).isEqualTo("text"));
    // removing the text of a message without embeds leaves nothing: refused
    assertThatThrownBy(() -> apply(ops.edit(CHANNEL, BOB, stored(id, BOB, "only text"), "", null, null), step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.EMPTY_MESSAGE));
  }
}
