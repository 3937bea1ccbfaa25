package dev.concord.devsuite;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code make top}: the most backed-up guilds across guild pods, from each pod's
 * {@code /actuator/guilds} (the management port). By default the guild pod of {@code make run}
 * (http://127.0.0.1:8710); in Kubernetes, port-forward each guild pod's management port and name
 * them: {@code make top ARGS="--by rate http://127.0.0.1:18710 http://127.0.0.1:28710"}.
 *
 * <p>Bounded: one request per pod with a 5 s timeout; at most {@code --top} rows per pod.
 */
public final class ConcordCtl {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ConcordCtl() {}

  public static void main(String[] args) throws Exception {
    int top = 10;
    String by = "mailbox";
    List<String> pods = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--top" -> top = Integer.parseInt(args[++i]);
        case "--by" -> by = args[++i];
        default -> pods.add(args[i]);
      }
    }
    if (pods.isEmpty()) {
      pods.add("http://127.0.0.1:8710");
    }
    System.out.print(topGuilds(pods, top, by));
  }

  /** The table: guilds of every pod together, ranked by {@code by}, highest first. */
  public static String topGuilds(List<String> pods, int top, String by) throws InterruptedException {
    List<JsonNode> rows = new ArrayList<>();
    StringBuilder out = new StringBuilder();
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      for (String pod : pods) {
        String url = pod.replaceAll("/+$", "") + "/actuator/guilds?top=" + top + "&by=" + by;
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 200) {
            out.append(String.format(Locale.ROOT, "%s: HTTP %d %s%n", pod, r.statusCode(), r.body()));
            continue;
          }
          JsonNode view = JSON.readTree(r.body());
          out.append(
              String.format(
                  Locale.ROOT,
                  "%s: %d active guilds, %d tasks queued on their loops, %d writes waiting for the journal%n",
                  pod,
                  view.path("activeGuilds").asInt(),
                  view.path("queuedTasks").asLong(),
                  view.path("journalPending").asInt()));
          for (JsonNode g : view.path("guilds")) {
            rows.add(((tools.jackson.databind.node.ObjectNode) g).put("pod", pod));
          }
        } catch (java.io.IOException e) {
          out.append(String.format(Locale.ROOT, "%s: unreachable (%s)%n", pod, e.getMessage()));
        }
      }
    }
    String key = switch (by) {
      case "rate" -> "eventsPerSecond";
      case "subscribers" -> "subscribers";
      default -> "mailbox";
    };
    rows.sort((a, b) -> Double.compare(b.path(key).asDouble(), a.path(key).asDouble()));
    out.append(String.format(Locale.ROOT, "%-20s %-20s %-8s %8s %10s %11s %6s  %s%n", "guild", "name", "state", "mailbox", "events/s", "subscribers", "epoch", "pod"));
    for (JsonNode g : rows.subList(0, Math.min(rows.size(), top))) {
      out.append(
          String.format(
              Locale.ROOT,
              "%-20s %-20s %-8s %8d %10.1f %11d %6d  %s%n",
              g.path("id").asString(),
              abbreviate(g.path("name").asString(), 20),
              g.path("state").asString(),
              g.path("mailbox").asInt(),
              g.path("eventsPerSecond").asDouble(),
              g.path("subscribers").asInt(),
              g.path("epoch").asLong(),
              g.path("pod").asString()));
    }
    return out.toString();
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
