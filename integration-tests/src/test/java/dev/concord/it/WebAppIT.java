package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web app the gateway serves at /app, in two headless Chromium browsers (Debian's chromium,
 * driven by playwright-core from npm: {@code src/test/js/browser/e2e.mjs}): two people register,
 * one creates a guild and an invite, the other joins by it, they talk both ways, edits, deletes
 * and reactions show on the other side, a cut socket resumes and shows what it missed without a
 * reload, and a logout ends the person's other tab. Screenshots of every step are written to
 * {@code target/webapp-shots/}.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class WebAppIT {
  static final String SECRET = "webapp-test-secret-0123456789abcdefghijk";
  static final Path DIR = Path.of("src/test/js/browser");
  static final Path SHOTS = Path.of("target/webapp-shots").toAbsolutePath();
  static final JsonMapper JSON = JsonMapper.builder().build();

  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    assertThat(DIR.resolve("node_modules/playwright-core")).as("playwright-core is installed (the build runs npm ci in %s)", DIR).exists();
    fixture = new SuiteFixture(SECRET);
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void theAppIsServed() throws Exception {
    String http = fixture.suite.gatewayUrl().replace("ws://", "http://");
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(http + "/app/")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
      assertThat(page.body()).contains("<div id=\"root\">").contains("/app/assets/");
      HttpResponse<Void> bare = client.send(HttpRequest.newBuilder(URI.create(http + "/app")).build(), HttpResponse.BodyHandlers.discarding());
      assertThat(bare.statusCode()).isEqualTo(308);
      assertThat(bare.headers().firstValue("Location")).hasValue("/app/");
    }
  }

  @Test
  void twoPeopleChatInRealBrowsers() throws Exception {
    String app = fixture.suite.gatewayUrl().replace("ws://", "http://") + "/app/";
    ProcessBuilder pb = new ProcessBuilder("node", "e2e.mjs").directory(DIR.toFile());
    pb.environment().put("CONCORD_APP_URL", app);
    pb.environment().put("CONCORD_SHOT_DIR", SHOTS.toString());
    Path out = Files.createTempFile("webapp-e2e", ".out");
    Path err = Files.createTempFile("webapp-e2e", ".err");
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    Process p = pb.start();
    boolean ended = p.waitFor(3, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    String report = String.join("\n", lines) + "\n--- stderr ---\n" + Files.readString(err) + "\n(screenshots: " + SHOTS + ")";
    assertThat(ended).as("the browser scenario ended by itself\n%s", report).isTrue();
    assertThat(p.exitValue()).as(report).isZero();
    List<String> steps = lines.stream().map(l -> JSON.readTree(l)).filter(j -> j.has("step")).map(j -> j.path("step").asString()).toList();
    assertThat(steps)
        .as(report)
        .containsExactly(
            "a-created-guild-and-invite",
            "b-joined-by-invite",
            "messages-both-ways",
            "edit-and-delete-seen-by-b",
            "b-reacted-a-sees-count",
            "a-disconnected",
            "a-resumed-and-caught-up",
            "logout-ends-every-tab");
    JsonNode done = JSON.readTree(lines.getLast());
    assertThat(done.path("done").asBoolean()).isTrue();
    assertThat(done.path("sameDocument").asBoolean()).as("the page resumed without a reload").isTrue();
    try (var shots = Files.list(SHOTS)) {
      assertThat(shots.count()).as("a screenshot per step and page").isGreaterThanOrEqualTo(10);
    }
  }
}
