package dev.concord.presence.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PresenceBookTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static JsonNode json(byte[] b) {
    return JSON.readTree(new String(b, StandardCharsets.UTF_8));
  }

  private static PresenceBook.SessionPresence p(String status, String platform) {
    return new PresenceBook.SessionPresence(status, platform, "[]");
  }

  @Test
  void update_firstSession_reportsOnlineWithClientStatus() {
    PresenceBook book = new PresenceBook(8);
    PresenceBook.Change c = book.update(7, "s1", p("online", "desktop"));
    assertThat(c.status()).isEqualTo("online");
    JsonNode n = json(c.changedPresenceJson().orElseThrow());
    assertThat(n.path("user").path("id").asString()).isEqualTo("7");
    assertThat(n.path("client_status").path("desktop").asString()).isEqualTo("online");
  }

  @Test
  void update_sameAggregate_reportsNoChange() {
    PresenceBook book = new PresenceBook(8);
    book.update(7, "s1", p("online", "desktop"));
    assertThat(book.update(7, "s1", p("online", "desktop")).changedPresenceJson()).isEmpty();
  }

  @Test
  void aggregate_dndBeatsOnline_onlineBeatsIdle_perPlatform() {
    PresenceBook book = new PresenceBook(8);
    book.update(7, "phone", p("idle", "mobile"));
    assertThat(book.update(7, "pc", p("online", "desktop")).status()).isEqualTo("online");
    PresenceBook.Change c = book.update(7, "web", p("dnd", "web"));
    assertThat(c.status()).isEqualTo("dnd");
    JsonNode cs = json(c.changedPresenceJson().orElseThrow()).path("client_status");
    assertThat(cs.path("mobile").asString()).isEqualTo("idle");
    assertThat(cs.path("desktop").asString()).isEqualTo("online");
    assertThat(cs.path("web").asString()).isEqualTo("dnd");
  }

  @Test
  void invisible_showsAsOfflineToOthers() {
    PresenceBook book = new PresenceBook(8);
    book.update(7, "s1", p("online", "desktop"));
    PresenceBook.Change c = book.update(7, "s1", p("invisible", "desktop"));
    assertThat(c.status()).isEqualTo("offline");
    assertThat(json(c.changedPresenceJson().orElseThrow()).path("client_status").size()).isZero();
  }

  @Test
  void end_lastSession_goesOfflineAndForgetsUser() {
    PresenceBook book = new PresenceBook(8);
    book.update(7, "s1", p("online", "desktop"));
    book.update(7, "s2", p("idle", "mobile"));
    assertThat(book.end(7, "s1").status()).isEqualTo("idle");
    PresenceBook.Change last = book.end(7, "s2");
    assertThat(last.status()).isEqualTo("offline");
    assertThat(last.changedPresenceJson()).isPresent();
    assertThat(book.onlineUsers()).isZero();
  }

  @Test
  void sessionsPerUser_bounded_oldestEvicted() {
    PresenceBook book = new PresenceBook(2);
    book.update(7, "a", p("dnd", "desktop"));
    book.update(7, "b", p("online", "desktop"));
    // "a" (dnd) is evicted by the third session, so dnd no longer wins
    assertThat(book.update(7, "c", p("online", "mobile")).status()).isEqualTo("online");
  }

  @Test
  void reupdatedSession_movesToNewest_soItsActivitiesWin() {
    PresenceBook book = new PresenceBook(8);
    book.update(7, "a", new PresenceBook.SessionPresence("online", "desktop", "[{\"name\":\"A\",\"type\":0}]"));
    book.update(7, "b", new PresenceBook.SessionPresence("online", "mobile", "[{\"name\":\"B\",\"type\":0}]"));
    PresenceBook.Change c = book.update(7, "a", new PresenceBook.SessionPresence("online", "desktop", "[{\"name\":\"A2\",\"type\":0}]"));
    assertThat(json(c.changedPresenceJson().orElseThrow()).path("activities").path(0).path("name").asString()).isEqualTo("A2");
    // "b" is now the oldest: a bound of 2 evicts it first when "c" comes
    PresenceBook small = new PresenceBook(2);
    small.update(7, "a", p("online", "desktop"));
    small.update(7, "b", p("dnd", "desktop"));
    small.update(7, "a", p("online", "desktop"));
    assertThat(small.update(7, "c", p("online", "mobile")).status()).isEqualTo("online");
    assertThat(small.end(7, "a").status()).isEqualTo("online"); // "c" is left
  }

  @Test
  void knownValues_areSharedConstants_notPerRequestCopies() {
    PresenceBook.SessionPresence p =
        new PresenceBook.SessionPresence(new String("online"), new String("mobile"), new String("[]"));
    assertThat(p.status()).isSameAs("online");
    assertThat(p.platform()).isSameAs("mobile");
    assertThat(p.activitiesJson()).isSameAs("[]");
  }
}
