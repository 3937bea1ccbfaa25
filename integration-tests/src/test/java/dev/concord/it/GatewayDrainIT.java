package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A gateway shuts down gracefully with clients connected while messages keep coming: every client
 * gets op 7, reconnects to the other gateway, resumes, and no dispatch is lost or duplicated.
 */
class GatewayDrainIT {
  static final String SECRET = "drain-test-secret-0123456789abcdef0123";
  static final Duration WAIT = Duration.ofSeconds(15);
  static final int CLIENTS = 6;
  static final int MESSAGES = 40;
  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new SuiteFixture(LocalSuite.Options.defaults(SECRET).withGateways(2));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** One client that follows op 7 to the other gateway and resumes; records every message id. */
  static final class Follower {
    final String token;
    GatewayClient ws;
    String sessionId;
    long seq;
    final List<String> ids = new ArrayList<>();
    boolean moved;

    Follower(String token) {
      this.token = token;
    }

    void connect() throws InterruptedException {
      ws = GatewayClient.connect(fixture.suite.gatewayUrl(0) + "/?v=10&encoding=json");
      ws.next(WAIT);
      ws.identify(token, Intents.GUILDS | Intents.GUILD_MESSAGES);
      JsonNode ready = ws.nextDispatch("READY", WAIT);
      sessionId = ready.path("d").path("session_id").asString();
      seq = ready.path("s").asLong();
      JsonNode guild = ws.nextDispatch("GUILD_CREATE", WAIT);
      seq = guild.path("s").asLong();
    }

    /** Reads until it has {@code total} messages, moving once when asked to reconnect. */
    void readUntil(int total) throws InterruptedException {
      while (ids.size() < total) {
        JsonNode f = ws.next(WAIT);
        int op = f.path("op").asInt();
        if (op == 7) {
          ws.closeResumable(4000);
          ws = GatewayClient.connect(fixture.suite.gatewayUrl(1) + "/?v=10&encoding=json");
          ws.next(WAIT); // HELLO
          ws.resume(token, sessionId, seq);
          moved = true;
          continue;
        }
        if (op != 0) {
          continue;
        }
        long s = f.path("s").asLong();
        assertThat(s).as("s continues across the move").isEqualTo(seq + 1);
        seq = s;
        if ("MESSAGE_CREATE".equals(f.path("t").asString())) {
          ids.add(f.path("d").path("id").asString());
        }
      }
    }
  }

  @Test
  void gracefulShutdown_everyClientMovesAndResumes_noDispatchLost() throws Exception {
    List<Follower> followers = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Follower f = new Follower(fixture.demo.users().get(i % 2).token());
      f.connect();
      followers.add(f);
    }
    // one thread per reader: they block, and must all run while the gateway drains
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
    List<CompletableFuture<Void>> readers = new ArrayList<>();
    for (Follower f : followers) {
      readers.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  f.readUntil(MESSAGES);
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              },
              threads));
    }
    // messages keep coming while gateway-0 drains: some reach the clients before op 7, some on
    // the old socket after it (lost on the wire, replayed), some only after the resume
    List<String> sent = new ArrayList<>();
    CompletableFuture<Void> shutdown = null;
    for (int m = 0; m < MESSAGES; m++) {
      sent.add(ResumeIT.postTo(fixture, "message " + m));
      if (m == MESSAGES / 4) {
        shutdown = CompletableFuture.runAsync(() -> fixture.suite.stopGateway(0), threads);
      }
      Thread.sleep(25);
    }
    CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get();
    shutdown.get();
    threads.shutdown();
    for (Follower f : followers) {
      assertThat(f.moved).as("client was asked to reconnect").isTrue();
      assertThat(f.ids).as("every message exactly once, in order").isEqualTo(sent);
      f.ws.close();
    }
  }
}
