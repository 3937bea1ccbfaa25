package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.MessageRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL restart under publish load (issue 17): the guild pod's store is the project's
 * PostgreSQL cluster (scripts/ensure-postgres.sh), restarted with a fast shutdown while messages
 * are created one after the other. Writes meanwhile wait or fail with a clear status; every
 * message that was acknowledged is in the store afterwards (none acknowledged and lost), and
 * writes succeed again once it is back.
 */
class PgRestartIT {
  static final String SECRET = "pg-restart-test-secret-0123456789abcdefg";

  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    String jdbc = System.getenv("CONCORD_TEST_JDBC_URL");
    if (jdbc == null || jdbc.isBlank()) {
      throw new IllegalStateException("PgRestartIT restarts the project's PostgreSQL: run it with make test (CONCORD_TEST_JDBC_URL)");
    }
    fixture = new SuiteFixture(LocalSuite.Options.defaults(SECRET).withExtra(List.of("--spring.datasource.url=" + jdbc)));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static String restartPostgres() throws IOException, InterruptedException {
    Path script = Path.of("..", "scripts", "pg-restart.sh");
    Process p = new ProcessBuilder(script.toString()).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("pg-restart.sh did not finish within 60 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.exitValue()).as("pg-restart.sh: " + out).isZero();
    return out;
  }

  @Test
  void aRestartUnderLoad_losesNoAcknowledgedMessage() throws Exception {
    var api = GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()));
    List<Long> acknowledged = new ArrayList<>();
    Map<String, Integer> failures = new TreeMap<>();
    AtomicBoolean restarting = new AtomicBoolean();
    Thread restarter = null;
    int okAfterRestart = 0;
    int total = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    // until the restart is over and 100 more were acknowledged (bounded: 90 s, 20 000 messages)
    for (int i = 0; okAfterRestart < 100 && i < 20_000 && System.nanoTime() < deadline; i++) {
      total++;
      if (i == 150) {
        restarting.set(true);
        restarter =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        System.out.println("pg-restart.sh: " + restartPostgres());
                      } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                      } finally {
                        restarting.set(false);
                      }
                    });
      }
      boolean after = restarter != null && !restarting.get();
      try {
        long id =
            api.withDeadlineAfter(10, TimeUnit.SECONDS)
                .createMessage(
                    CreateMessageRequest.newBuilder()
                        .setGuildId(fixture.demo.guildId())
                        .setChannelId(fixture.demo.channelId())
                        .setAuthorId(fixture.demo.users().get(0).id())
                        .setContent("before, during or after the restart: " + i)
                        .build())
                .getId();
        acknowledged.add(id);
        if (after) {
          okAfterRestart++;
        }
      } catch (StatusRuntimeException e) {
        // what a writer sees meanwhile: a clear status with a reason, never a hang past the deadline
        Status.Code code = e.getStatus().getCode();
        assertThat(code).as(e.getStatus().toString()).isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getStatus().getDescription()).isNotBlank();
        failures.merge(code + ": " + e.getStatus().getDescription().replaceAll("[0-9]+", "N").lines().findFirst().orElse(""), 1, Integer::sum);
      }
    }
    if (restarter != null) {
      restarter.join(60_000);
    }
    assertThat(okAfterRestart).as("writes succeed again once PostgreSQL is back").isPositive();

    // every acknowledged message is in the store
    int stored = 0;
    List<Long> lost = new ArrayList<>();
    for (long id : acknowledged) {
      try {
        api.withDeadlineAfter(10, TimeUnit.SECONDS)
            .getMessage(
                MessageRequest.newBuilder().setGuildId(fixture.demo.guildId()).setChannelId(fixture.demo.channelId()).setMessageId(id).build());
        stored++;
      } catch (StatusRuntimeException e) {
        lost.add(id);
      }
    }
    System.out.printf(
        "PostgreSQL restart under load: %d messages sent, %d acknowledged, %d stored of those, %d lost, %d failed (%s); %d acknowledged after the restart%n",
        total, acknowledged.size(), stored, lost.size(), total - acknowledged.size(), failures, okAfterRestart);
    assertThat(lost).as("acknowledged and lost").isEmpty();
  }
}
