package dev.concord.bench.large;

import dev.concord.bench.BenchArgs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code make bench-large}: one guild of a million members and 200 000 connected sessions, 10 %
 * of them looking at it, with passive sessions on and off, each in a fresh JVM, printed side by
 * side with their ratio; and the guild pod's side (heap per member, GUILD_CREATE sizes).
 *
 * <p>Options: {@code --members 1000000 --sessions 200000 --active-percent 10 --rate 100
 * --seconds 10 --pods 2 --heap 8g}. Results: {@code bench/results/large/large.json}.
 */
public final class LargeGuildBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private LargeGuildBenchmark() {}

  public static void main(String[] args) throws Exception {
    String mode = BenchArgs.stringArg(args, "--mode", "all");
    int members = BenchArgs.intArg(args, "--members", 1_000_000);
    int sessions = BenchArgs.intArg(args, "--sessions", 200_000);
    int active = BenchArgs.intArg(args, "--active-percent", 10);
    int rate = BenchArgs.intArg(args, "--rate", 100);
    int seconds = BenchArgs.intArg(args, "--seconds", 10);
    int pods = BenchArgs.intArg(args, "--pods", 2);
    String out = BenchArgs.stringArg(args, "--out", "");
    Map<String, Object> result =
        switch (mode) {
          case "guild" -> dev.concord.guild.core.LargeGuildTier.measure(members, sessions);
          case "passive" -> LargeSessionTier.run(true, sessions, pods, active, rate, seconds);
          case "everything" -> LargeSessionTier.run(false, sessions, pods, active, rate, seconds);
          case "all" -> {
            runAll(args, members, sessions, active, rate, seconds, pods);
            yield null;
          }
          default -> throw new IllegalArgumentException("--mode: guild, passive, everything or all");
        };
    if (result != null) {
      Files.writeString(Path.of(out.isEmpty() ? "large-" + mode + ".json" : out), JSON.writeValueAsString(result));
    }
    System.exit(0);
  }

  /** Each part in its own JVM (nothing one leaves behind in the heap or the JIT skews the next). */
  private static void runAll(String[] args, int members, int sessions, int active, int rate, int seconds, int pods)
      throws IOException, InterruptedException {
    Path dir = Path.of("bench", "results", "large");
    if (!Files.isDirectory(Path.of("bench"))) {
      dir = Path.of("results", "large"); // run from bench/ (mvn -pl bench exec:exec)
    }
    Files.createDirectories(dir);
    String heap = BenchArgs.stringArg(args, "--heap", "8g");
    Map<String, Map<String, Object>> results = new LinkedHashMap<>();
    for (String part : List.of("guild", "passive", "everything")) {
      System.out.printf("%n== %s (fresh JVM) ==%n", part);
      Path file = dir.resolve("large-" + part + ".json");
      Files.deleteIfExists(file);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path")));
      cmd.add(LargeGuildBenchmark.class.getName());
      cmd.addAll(
          List.of(
              "--mode", part, "--members", "" + members, "--sessions", "" + sessions, "--active-percent", "" + active, "--rate", "" + rate,
              "--seconds", "" + seconds, "--pods", "" + pods, "--out", file.toString()));
      int code = new ProcessBuilder(cmd).inheritIO().start().waitFor();
      if (code != 0 || !Files.exists(file)) {
        throw new IllegalStateException(part + " failed (exit " + code + ")");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> r = JSON.readValue(Files.readString(file), Map.class);
      results.put(part, r);
    }
    print(results, members, sessions, active, rate, seconds, pods);
    Path all = dir.resolve("large.json");
    Files.writeString(all, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
    System.out.println("written: " + all.toAbsolutePath());
  }

  private static double d(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).doubleValue();
  }

  private static void print(Map<String, Map<String, Object>> r, int members, int sessions, int active, int rate, int seconds, int pods) {
    Map<String, Object> g = r.get("guild");
    Map<String, Object> on = r.get("passive");
    Map<String, Object> off = r.get("everything");
    System.out.printf(
        "%nOne guild: %,d members, %,d connected sessions (%d %% looking at it) on %d session pods; %d messages/s for %d s; %d cores%n",
        members, sessions, active, pods, rate, seconds, Runtime.getRuntime().availableProcessors());
    System.out.printf("%-40s %18s %18s %10s%n", "", "passive on", "passive off", "off / on");
    row("deliveries per message", d(on, "deliveriesPerMessage"), d(off, "deliveriesPerMessage"), "%,.0f");
    row("link bytes per message (session pods out)", d(on, "linkBytesPerMessage"), d(off, "linkBytesPerMessage"), "%,.0f");
    row("client frame bytes per message", d(on, "clientFrameBytesPerMessage"), d(off, "clientFrameBytesPerMessage"), "%,.0f");
    row("messages reaching every active session/s", d(on, "sustainedMessagesPerSecond"), d(off, "sustainedMessagesPerSecond"), "%,.1f");
    row("p50 publish -> last active session, ms", d(on, "latencyP50Ms"), d(off, "latencyP50Ms"), "%,.1f");
    row("p99 publish -> last active session, ms", d(on, "latencyP99Ms"), d(off, "latencyP99Ms"), "%,.1f");
    row("max, ms", d(on, "latencyMaxMs"), d(off, "latencyMaxMs"), "%,.1f");
    row("deliveries/s leaving the session pods", d(on, "deliveriesPerSecond"), d(off, "deliveriesPerSecond"), "%,.0f");
    row("link bytes/s leaving the session pods", d(on, "linkBytesPerSecond"), d(off, "linkBytesPerSecond"), "%,.0f");
    row("client frame bytes/s (gateways write)", d(on, "clientFrameBytesPerSecond"), d(off, "clientFrameBytesPerSecond"), "%,.0f");
    row("CPU cores busy (whole process)", d(on, "cpuCoresBusy"), d(off, "cpuCoresBusy"), "%,.2f");
    row("heap per session, bytes", d(on, "heapBytesPerSession"), d(off, "heapBytesPerSession"), "%,.0f");
    System.out.printf(
        "passive on: %,.0f deliveries skipped, %,.0f PASSIVE_UPDATE_V1 sent (unread markers). Per second rows: what the box"
            + " delivered; with passive off it cannot keep up, so compare per message.%n",
        d(on, "passiveSkipped"), d(on, "passiveUpdates"));
    System.out.printf("READY of a user session: %,.0f bytes%n", d(on, "readyBytes"));
    System.out.printf(
        "%nGuild pod: %,.0f bytes of heap per member (member + user), %,.0f more per online member (presence); %,.0f MiB in all%n",
        d(g, "heapBytesPerMember"), d(g, "heapBytesPerOnlinePresence"), d(g, "guildHeapMiB"));
    System.out.printf(
        "GUILD_CREATE of that guild (at most 1 000 online members): bot with GUILD_PRESENCES %,.0f bytes (first render %.0f ms, shared after: %.0f ms); bot without it %,.0f bytes;"
            + " user client %,.0f bytes%n",
        d(g, "guildCreateBotWithPresencesBytes"), d(g, "guildCreateBotWithPresencesFirstRenderMs"), d(g, "guildCreateBotWithPresencesSharedRenderMs"),
        d(g, "guildCreateBotWithoutPresencesBytes"), d(g, "guildCreateUserClientBytes"));
    System.out.printf(
        "Lazy member list of a web client (op 14, items 0-99 of %,.0f online): SYNC %,.0f bytes; list built in %.0f ms on the first"
            + " subscription, a SYNC rendered in %.1f ms, a member going offline and online again %.2f ms%n",
        d(g, "online"), d(g, "memberListSyncBytes"), d(g, "memberListBuildMs"), d(g, "memberListSyncMs"), d(g, "memberListChangeMs"));
  }

  private static void row(String name, double on, double off, String fmt) {
    System.out.printf("%-40s %18s %18s %9.1fx%n", name, String.format(fmt, on), String.format(fmt, off), on == 0 ? Double.NaN : off / on);
  }
}
