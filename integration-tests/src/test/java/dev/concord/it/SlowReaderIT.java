package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A reader that stops reading under a publish storm (issue 17): its socket is closed at the write
 * buffer's bound (1 MiB held for over a second, behind the kernel's send buffer) with 4000, it RESUMEs and gets every message it missed, in order;
 * a member reading normally meanwhile gets every message too. Its latency with and without the
 * stalled reader is printed side by side (not asserted: this box is shared).
 */
class SlowReaderIT {
  static final String SECRET = "slow-reader-test-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(20);
  /**
   * ~5.4 MB of frames: past the 1 MiB write buffer AND the kernel's send buffer, which Linux grows
   * to 4 MiB (tcp_wmem) for a socket whose peer does not read; the resume replays the rest at once
   * (less than the 4 MiB that close a connection without grace).
   */
  static final int MESSAGES = 3000;
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture =
        new SuiteFixture(
            LocalSuite.Options.defaults(SECRET)
                .withExtra(List.of("--concord.gateway.write-buffer-bytes=1048576",
                        "--concord.gateway.write-buffer-grace=1s",
                        "--concord.session.replay-max-events=8000",
                        "--concord.session.replay-max-bytes=33554432")));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** Publishes {@code n} messages of ~1.5 KB one after the other; returns publish times by message id. */
  private static Map<String, Long> storm(int n, String tag) {
    var api = GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()));
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    String body = "x".repeat(1500);
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      var m =
          api.withDeadlineAfter(10, TimeUnit.SECONDS)
              .createMessage(
                  CreateMessageRequest.newBuilder()
                      .setGuildId(fixture.demo.guildId())
                      .setChannelId(fixture.demo.channelId())
                      .setAuthorId(fixture.demo.users().get(1).id())
                      .setContent(tag + " " + i + " " + body)
                      .build());
      sentAt.put(Long.toUnsignedString(m.getId()), t0);
    }
    return sentAt;
  }

  /** The member reading normally: every MESSAGE_CREATE of the storm, in order, with its latency. */
  private static Thread reading(GatewayClient reader, int n, List<String> ids, long[] receivedAt) {
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < n; i++) {
                      JsonNode m = reader.nextDispatch("MESSAGE_CREATE", WAIT);
                      receivedAt[i] = System.nanoTime();
                      ids.add(m.path("d").path("id").asString());
                    }
                  } catch (InterruptedException | AssertionError e) {
                    Thread.currentThread().interrupt();
                  }
                });
    return t;
  }

  private static String latencies(List<String> ids, long[] receivedAt, Map<String, Long> sentAt) {
    long[] ms = new long[ids.size()];
    for (int i = 0; i < ms.length; i++) {
      ms[i] = (receivedAt[i] - sentAt.get(ids.get(i))) / 1_000_000;
    }
    Arrays.sort(ms);
    return "p50 " + ms[ms.length / 2] + " ms, p99 " + ms[(int) (ms.length * 0.99)] + " ms, max " + ms[ms.length - 1] + " ms";
  }

  @Test
  void aStalledReaderIsClosedAtItsBufferBound_andResumesWithEverything_whileOthersGetEverything() throws Exception {
    try (GatewayClient member = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      member.next(WAIT);
      member.identify(fixture.demo.users().get(1).token(), INTENTS);
      member.nextDispatch("GUILD_CREATE", WAIT);

      // the reference: a storm with no stalled reader
      List<String> refIds = java.util.Collections.synchronizedList(new ArrayList<>());
      long[] refAt = new long[MESSAGES];
      Thread refReader = reading(member, MESSAGES, refIds, refAt);
      Map<String, Long> refSent = storm(MESSAGES, "reference");
      refReader.join(WAIT.toMillis());
      assertThat(refIds).hasSize(MESSAGES);

      // a reader that identifies, takes READY and GUILD_CREATE, then stops reading
      RawGatewaySocket stalled = RawGatewaySocket.connect(fixture.suite.ports().gatewayHttp(), "v=10&encoding=json");
      String token = fixture.demo.users().get(0).token();
      stalled.next(WAIT); // HELLO
      stalled.send("{\"op\":2,\"d\":{\"token\":\"" + token + "\",\"intents\":" + INTENTS + ",\"properties\":{\"os\":\"linux\",\"browser\":\"raw\",\"device\":\"raw\"}}}");
      String sessionId = null;
      long lastSeq = 0;
      while (true) {
        JsonNode f = stalled.next(WAIT).json();
        lastSeq = Math.max(lastSeq, f.path("s").asLong(0));
        if ("READY".equals(f.path("t").asString(""))) {
          sessionId = f.path("d").path("session_id").asString();
        }
        if ("GUILD_CREATE".equals(f.path("t").asString(""))) {
          break;
        }
      }

      List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
      long[] at = new long[MESSAGES];
      Thread reader = reading(member, MESSAGES, ids, at);
      Map<String, Long> sent = storm(MESSAGES, "storm");
      reader.join(WAIT.toMillis());
      assertThat(ids).as("the member reading normally gets every message").hasSize(MESSAGES);
      assertThat(ids).containsExactlyElementsOf(sent.keySet().stream().sorted(java.util.Comparator.comparing(Long::parseUnsignedLong)).toList());

      // the stalled reader reads again: what was on the way, then the close
      List<JsonNode> drained = new ArrayList<>();
      int code = stalled.drainUntilClosed(drained, WAIT);
      stalled.close();
      System.out.printf(
          "stalled reader: closed with %d after %d of %d messages had reached its socket%n", code, drained.size(), MESSAGES);
      assertThat(code).as("closed resumable at the write-buffer bound").isEqualTo(4000);
      List<String> got = new ArrayList<>();
      for (JsonNode f : drained) {
        if ("MESSAGE_CREATE".equals(f.path("t").asString(""))) {
          got.add(f.path("d").path("id").asString());
        }
        lastSeq = Math.max(lastSeq, f.path("s").asLong(0));
      }
      assertThat(got.size()).isLessThan(MESSAGES);

      // it resumes: everything after its last seq, in order, then RESUMED
      try (GatewayClient resumed = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
        resumed.next(WAIT);
        resumed.resume(token, sessionId, lastSeq);
        long expectSeq = lastSeq + 1;
        while (true) {
          JsonNode f = resumed.next(WAIT);
          if (f.path("op").asInt() != 0) {
            continue;
          }
          assertThat(f.path("s").asLong()).isEqualTo(expectSeq++);
          if ("RESUMED".equals(f.path("t").asString())) {
            break;
          }
          if ("MESSAGE_CREATE".equals(f.path("t").asString())) {
            got.add(f.path("d").path("id").asString());
          }
        }
      }
      assertThat(got).as("every message, once, in order, across the close").containsExactlyElementsOf(ids);
      System.out.printf(
          "member's latency without a stalled reader: %s; with one: %s%n", latencies(refIds, refAt, refSent), latencies(ids, at, sent));
    }
  }
}
