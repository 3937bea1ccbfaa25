package dev.concord.guild.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concord.guild.store.GuildStore;
import dev.concord.guild.store.JdbcGuildStore;
import dev.concord.guild.store.TestDatabase;
import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The lazy member list on a real guild host (PostgreSQL store): a SYNC per range on subscribing,
 * then INSERT / DELETE / UPDATE ops in name order, each only to the sessions whose ranges it
 * touches.
 */
class MemberListTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final GuildHostTest.RecordingFanout fanout = new GuildHostTest.RecordingFanout();
  private final GuildStore store = new JdbcGuildStore(TestDatabase.postgres());
  private final GuildJournal journal = new GuildJournal(store, 1000, 1000);
  private final GuildHost host =
      new GuildHost(store, journal, new Users(store, 1000), new Payloads(), SnowflakeGenerator.forNode(5), pool, fanout, Ownership.ALL, 100, Clock.systemUTC());
  private final GuildCommands commands = new GuildCommands(host);

  @AfterEach
  void stop() {
    journal.close();
    pool.shutdownNow();
  }

  private void online(long guildId, long userId, String status) {
    commands
        .publishPresence(guildId, userId, ("{\"user\":{\"id\":\"" + userId + "\"},\"status\":\"" + status + "\"}").getBytes(StandardCharsets.UTF_8))
        .join();
  }

  /** The list updates published so far, as (recipients, d). */
  private List<GuildHostTest.Published> updates() {
    List<GuildHostTest.Published> out = new ArrayList<>();
    synchronized (fanout.published) {
      for (GuildHostTest.Published p : fanout.published) {
        if (p.type().equals(MemberListOps.EVENT)) {
          out.add(p);
        }
      }
    }
    return out;
  }

  private List<GuildHostTest.Published> presences() {
    synchronized (fanout.published) {
      return fanout.published.stream().filter(p -> p.type().equals("PRESENCE_UPDATE")).toList();
    }
  }

  private static JsonNode d(GuildHostTest.Published p) {
    return JSON.readTree(p.payload());
  }

  private static String opLine(JsonNode op) {
    String who = op.path("item").path("member").path("user").path("username").asString(op.path("item").path("group").path("id").asString(""));
    return op.path("op").asString() + " " + op.path("index").asInt(-1) + (who.isEmpty() ? "" : " " + who);
  }

  @Test
  void subscribersGetASyncThenTheOpsOfTheirRangesOnly() {
    Users.User owner = host.createUser("owner", "", false);
    GuildState g = host.createGuild("Listed", owner.id()).join();
    long bob = host.createUser("bob", "", false).id();
    long carol = host.createUser("carol", "", false).id();
    long dave = host.createUser("dave", "", false).id();
    long aaron = host.createUser("aaron", "", false).id();
    for (long u : List.of(bob, carol, dave, aaron)) {
      commands.addMember(g.id(), u).join();
    }
    online(g.id(), bob, "online");
    online(g.id(), carol, "online");
    host.join(g.id(), "s1", 11, owner.id(), "pod-a", Intents.GUILDS | Intents.GUILD_PRESENCES, 50, 0, null).join();
    host.join(g.id(), "s2", 12, dave, "pod-a", Intents.GUILDS, 50, 0, null).join();

    online(g.id(), bob, "idle"); // before s1 shows the list: a PRESENCE_UPDATE as usual
    assertThat(presences().getLast().recipients()).containsExactly(11L);
    online(g.id(), bob, "online");
    commands.subscribeMemberList(g.id(), "s1", new int[] {0, 99}).join();
    GuildHostTest.Published sync = updates().getLast();
    assertThat(sync.recipients()).containsExactly(11L);
    JsonNode d = d(sync);
    assertThat(d.path("id").asString()).isEqualTo("everyone");
    assertThat(d.path("online_count").asInt()).isEqualTo(2);
    assertThat(d.path("member_count").asInt()).isEqualTo(5);
    JsonNode op = d.path("ops").get(0);
    assertThat(op.path("op").asString()).isEqualTo("SYNC");
    List<String> items = new ArrayList<>();
    op.path("items").forEach(i -> items.add(i.has("group") ? "group " + i.path("group").path("count").asInt() : i.path("member").path("user").path("username").asString()));
    assertThat(items).containsExactly("group 2", "bob", "carol");
    assertThat(op.path("items").get(1).path("member").path("presence").path("status").asString()).isEqualTo("online");

    // s2 shows only the first two items
    commands.subscribeMemberList(g.id(), "s2", new int[] {0, 1}).join();
    assertThat(updates().getLast().recipients()).containsExactly(12L);

    online(g.id(), dave, "online"); // sorts last: index 3, past s2's range
    GuildHostTest.Published insert = updates().getLast();
    assertThat(opLine(d(insert).path("ops").get(0))).isEqualTo("INSERT 3 dave");
    assertThat(insert.recipients()).containsExactly(11L);

    online(g.id(), aaron, "online"); // sorts first: index 1, shifts everything after it
    insert = updates().getLast();
    assertThat(opLine(d(insert).path("ops").get(0))).isEqualTo("INSERT 1 aaron");
    assertThat(insert.recipients()).containsExactlyInAnyOrder(11L, 12L);

    int presencesBefore = presences().size();
    online(g.id(), carol, "idle"); // index 3 now: an update s2 does not show
    GuildHostTest.Published update = updates().getLast();
    assertThat(opLine(d(update).path("ops").get(0))).isEqualTo("UPDATE 3 carol");
    assertThat(update.recipients()).containsExactly(11L);
    assertThat(d(update).path("ops").get(0).path("item").path("member").path("presence").path("status").asString()).isEqualTo("idle");
    // s1 shows the list: its presences come as list ops only, no PRESENCE_UPDATE for it
    assertThat(presences().size()).isEqualTo(presencesBefore + 1);
    assertThat(presences().getLast().recipients()).isEmpty();

    online(g.id(), bob, "offline");
    GuildHostTest.Published delete = updates().getLast();
    assertThat(opLine(d(delete).path("ops").get(0))).isEqualTo("DELETE 2");
    assertThat(delete.recipients()).containsExactly(11L); // s2 shows items 0-1: untouched
    assertThat(d(delete).path("online_count").asInt()).isEqualTo(3);

    // unsubscribed: nothing more for s1 (bob back online at index 2 reaches no one; aaron's change at 1 reaches s2)
    commands.subscribeMemberList(g.id(), "s1", new int[0]).join();
    int before = updates().size();
    online(g.id(), bob, "online");
    assertThat(updates()).hasSize(before);
    online(g.id(), aaron, "dnd");
    assertThat(updates()).hasSize(before + 1);
    assertThat(updates().getLast().recipients()).containsExactly(12L);
  }

  @Test
  void aSessionNotInTheGuildCannotSubscribe() {
    Users.User owner = host.createUser("owner", "", false);
    GuildState g = host.createGuild("Listed", owner.id()).join();
    assertThatThrownBy(() -> commands.subscribeMemberList(g.id(), "nobody", new int[] {0, 99}).join())
        .hasCauseInstanceOf(GuildException.class);
  }
}
