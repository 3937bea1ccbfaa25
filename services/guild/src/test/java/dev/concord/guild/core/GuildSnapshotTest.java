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
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * GUILD_CREATE with its guild-wide fields serialized once and shared by joins: every join still
 * sees the guild as it is now (renamed, roles added, changed, deleted), as one JSON object whose
 * keys each appear once.
 */
class GuildSnapshotTest {
  /** Fails on a key written twice, which a wrong join of the two serialized parts would produce. */
  private static final JsonMapper STRICT = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final GuildStore store = new JdbcGuildStore(TestDatabase.postgres());
  private final GuildJournal journal = new GuildJournal(store, 1000, 1000);
  private final GuildHost host =
      new GuildHost(
          store,
          journal,
          new Users(store, 1000),
          new Payloads(),
          SnowflakeGenerator.forNode(5),
          pool,
          GuildHostTest.NONE,
          Ownership.ALL,
          100,
          Clock.systemUTC());
  private final GuildCommands commands = new GuildCommands(host);
  private int sessions;

  @AfterEach
  void stop() {
    journal.close();
    pool.shutdownNow();
  }

  private JsonNode join(GuildState g, Users.User u) {
    int k = ++sessions;
    byte[] json = host.join(g.id(), "s" + k, k, u.id(), "p", Intents.GUILDS, 50, 0, null).join().guildCreateJson();
    return STRICT.readTree(new String(json, StandardCharsets.UTF_8));
  }

  private static List<String> roleNames(JsonNode guildCreate) {
    List<String> names = new ArrayList<>();
    guildCreate.path("roles").forEach(r -> names.add(r.path("name").asString()));
    return names;
  }

  @Test
  void joins_seeRenamesAndRoleChanges_asOneObjectWithEachKeyOnce() {
    Users.User owner = host.createUser("owner", "", false);
    Users.User bob = host.createUser("bob", "", false);
    GuildState g = host.createGuild("Before", owner.id()).join();
    commands.addMember(g.id(), bob.id()).join();

    JsonNode first = join(g, owner);
    assertThat(first.path("id").asString()).isEqualTo(Long.toUnsignedString(g.id()));
    assertThat(first.path("name").asString()).isEqualTo("Before");
    assertThat(first.path("owner_id").asString()).isEqualTo(Long.toUnsignedString(owner.id()));
    assertThat(roleNames(first)).containsExactly("@everyone");
    // the member's part follows the guild-wide one in the same object
    assertThat(first.path("member_count").asInt()).isEqualTo(2);
    assertThat(first.path("members").size()).isEqualTo(2);
    assertThat(first.path("lazy").asBoolean()).isTrue();
    assertThat(first.path("joined_at").isString()).isTrue();
    JsonNode again = join(g, bob); // unchanged guild: the same guild-wide part
    assertThat(again.path("name").asString()).isEqualTo("Before");
    assertThat(roleNames(again)).containsExactly("@everyone");

    commands.updateGuild(g.id(), owner.id(), "After").join();
    assertThat(join(g, bob).path("name").asString()).isEqualTo("After");

    GuildState.Role staff = commands.createRole(g.id(), owner.id(), "staff", 0).join();
    assertThat(roleNames(join(g, bob))).containsExactly("@everyone", "staff");

    commands.updateRole(g.id(), owner.id(), staff.id(), "mods", null).join();
    assertThat(roleNames(join(g, bob))).containsExactly("@everyone", "mods");

    commands.deleteRole(g.id(), owner.id(), staff.id()).join();
    JsonNode last = join(g, owner);
    assertThat(roleNames(last)).containsExactly("@everyone");
    assertThat(last.path("name").asString()).isEqualTo("After");
  }

  @Test
  void concat_joinsTwoObjects_andRefusesAnythingElse() {
    byte[] joined = GuildSnapshot.concat("{\"a\":1}".getBytes(StandardCharsets.UTF_8), "{\"b\":[2]}".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(joined, StandardCharsets.UTF_8)).isEqualTo("{\"a\":1,\"b\":[2]}");
    assertThatThrownBy(() -> GuildSnapshot.concat("{}".getBytes(StandardCharsets.UTF_8), "{\"b\":2}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GuildSnapshot.concat("[1]".getBytes(StandardCharsets.UTF_8), "{\"b\":2}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
