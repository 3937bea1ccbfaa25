package dev.concord.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The results of a {@link LoadGenerator} run: printed as a table, written as {@code load.json} and plots. */
final class LoadReport {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** One target at one N. */
  static final class Run {
    final String target;
    final int n;
    int identified;
    int failedConnects;
    double connectSeconds;
    double cpuConnectMs;
    int coldIdentified;
    double cpuColdConnectMs;
    long rssBefore;
    long rssIdle;
    long heapBefore = -1;
    long heapIdle = -1;
    /** Scenario (a), the first burst. */
    Burst burst = new Burst();
    List<Point> series = List.of();
    long[] gc = {-1, -1, -1, -1};
    /** Heap bytes the server allocated during the warm storm (-1: unknown). */
    long allocConnectBytes = -1;
    /** JIT compilers' time in the server during the warm storm (ms; -1 unknown): a warm storm compiles little. */
    long jitWarmMs = -1;
    /** CPU of the server's JIT compiler threads during the warm storm (ms): in {@link #cpuConnectMs}, not per-connect work. */
    double cpuConnectCompilerMs;
    Map<Integer, Long> closeCodes = Map.of();
    String serverErrors = "-1";
    List<Part> parts = List.of();

    /**
     * The same burst again right after the first (null: not run): the first is also the first time
     * that JVM runs its fan-out at this scale (its JIT compiles meanwhile), the second shows the
     * steady state. The table's burst columns are the first's.
     */
    @org.jspecify.annotations.Nullable Burst second;

    Run(String target, int n) {
      this.target = target;
      this.n = n;
    }

    double connectsPerSecond() {
      return identified / Math.max(1e-9, connectSeconds);
    }

    double cpuMsPerConnect() {
      return identified == 0 ? 0 : cpuConnectMs / identified;
    }

    /** Server CPU per warm connect without the JIT compiler threads' share. */
    double cpuMsPerConnectWithoutJit() {
      return identified == 0 ? 0 : (cpuConnectMs - cpuConnectCompilerMs) / identified;
    }

    /** Server CPU per connect of the first storm: a fresh JVM, its JIT compiling the path. */
    double cpuMsPerColdConnect() {
      return coldIdentified == 0 ? 0 : cpuColdConnectMs / coldIdentified;
    }

    /** Server heap allocation per warm connect (KB; -1 unknown). */
    double allocKbPerConnect() {
      return identified == 0 || allocConnectBytes < 0 ? -1 : allocConnectBytes / 1024.0 / identified;
    }

    /** Resident memory per idle identified connection, from the first storm (fresh server). */
    long rssPerConnection() {
      int held = coldIdentified > 0 ? coldIdentified : identified;
      return held == 0 ? 0 : (rssIdle - rssBefore) / held;
    }

    /**
     * Live heap per idle identified connection (heap in use after a full GC, idle minus before):
     * what the connections hold, without the slack RSS adds (the heap G1 keeps committed, which
     * moves RSS per connection by ±1 KB from run to run here). -1 if unknown.
     */
    long heapPerConnection() {
      int held = coldIdentified > 0 ? coldIdentified : identified;
      return held == 0 || heapBefore < 0 || heapIdle < 0 ? -1 : (heapIdle - heapBefore) / held;
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "%s N=%d: %d identified in %.1f s (%.2f ms CPU each, %.2f without the JIT compiler threads; JIT %d ms meanwhile), %d B/conn idle (heap %d); burst %d/%d frames, %.0f/s, p99 %.1f ms, %.3f ms CPU per 1k",
          target, n, identified, connectSeconds, cpuMsPerConnect(), cpuMsPerConnectWithoutJit(), jitWarmMs, rssPerConnection(), heapPerConnection(), burst.delivered, burst.expected, burst.deliveriesPerSecond(), burst.ms(99), burst.cpuMsPer1kDeliveries());
    }
  }

  /** One burst of scenario (a): what the server did between the first create and the last frame. */
  static final class Burst {
    long expected;
    long delivered;
    int publishErrors;
    double seconds;
    double cpuMs;
    /** Heap bytes the server allocated, and its write system calls (-1: unknown). */
    long allocBytes = -1;
    long writes = -1;
    Histogram latency = new Histogram(3);

    double deliveriesPerSecond() {
      return seconds <= 0 ? 0 : delivered / seconds;
    }

    double cpuMsPer1kDeliveries() {
      return delivered == 0 ? 0 : 1000 * cpuMs / delivered;
    }

    /** Server heap allocation per delivery (bytes; -1 unknown). */
    double allocBytesPerDelivery() {
      return delivered == 0 || allocBytes < 0 ? -1 : (double) allocBytes / delivered;
    }

    /** Deliveries per server write system call: frames per socket write (-1 unknown). */
    double deliveriesPerWrite() {
      return writes <= 0 ? -1 : (double) delivered / writes;
    }

    double ms(double percentile) {
      return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1e6;
    }

    double maxMs() {
      return latency.getTotalCount() == 0 ? 0 : latency.getMaxValue() / 1e6;
    }

    long lost() {
      return expected - delivered;
    }
  }

  /**
   * One server JVM's share of a run (the split suite has five): CPU per connect of the warm storm,
   * resident memory per idle connection.
   */
  record Part(String name, double cpuMsPerConnect, double kbPerConnection, double heapKbPerConnection) {
    static List<Part> of(Map<String, long[]> before, Map<String, long[]> idle, Map<String, long[]> warm0, Map<String, long[]> warm1, int identified, int held) {
      List<Part> out = new java.util.ArrayList<>();
      for (String name : before.keySet()) {
        double cpu = identified == 0 ? 0 : (warm1.get(name)[0] - warm0.get(name)[0]) / 1e6 / identified;
        double kb = held == 0 ? 0 : (idle.get(name)[1] - before.get(name)[1]) / 1024.0 / held;
        double heap = held == 0 ? 0 : (idle.get(name)[2] - before.get(name)[2]) / 1024.0 / held;
        out.add(new Part(name, cpu, kb, heap));
      }
      return out;
    }
  }

  /** Scenario (c) for one target. */
  static final class MixRun {
    final String target;
    final int clients;
    final int guilds;
    final int largestGuild;
    int identified;
    int refused;
    /** What the fixed-rate publishing of the mix delivered (the burst's numbers, at a set rate). */
    Burst delivery = new Burst();

    MixRun(String target, int clients, int guilds, int largestGuild) {
      this.target = target;
      this.clients = clients;
      this.guilds = guilds;
      this.largestGuild = largestGuild;
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "%s mix: %d clients in %d guilds (largest %d), %d identified; %d/%d frames, %.0f/s, p50 %.1f ms, p99 %.1f ms, %.3f ms CPU per 1k",
          target, clients, guilds, largestGuild, identified, delivery.delivered, delivery.expected, delivery.deliveriesPerSecond(), delivery.ms(50), delivery.ms(99),
          delivery.cpuMsPer1kDeliveries());
    }
  }

  /** One second of the fixed-rate scenario. */
  record Point(double t, long deliveries, double p50Ms, double p99Ms, double maxMs, int refused) {
    static Point of(double t, long deliveries, Histogram h, int refused) {
      boolean any = h.getTotalCount() > 0;
      return new Point(
          t,
          deliveries,
          any ? h.getValueAtPercentile(50) / 1e6 : 0,
          any ? h.getValueAtPercentile(99) / 1e6 : 0,
          any ? h.getMaxValue() / 1e6 : 0,
          refused);
    }
  }

  private final String[] args;
  /** How Concord's messages were published (the baseline's always through its POST /publish). */
  private final String publishedThrough;
  final List<Run> runs = new ArrayList<>();
  final List<MixRun> mixes = new ArrayList<>();

  LoadReport(String[] args, String publishedThrough) {
    this.args = args;
    this.publishedThrough = publishedThrough;
  }

  void add(Run r) {
    runs.add(r);
  }

  void print() {
    System.out.printf("%nServers in their own JVM (CPU and RSS from /proc), clients and publisher in this one; %d cores%n", Runtime.getRuntime().availableProcessors());
    System.out.printf("Concord's messages published through %s; the baseline's through its POST /publish%n", publishedThrough);
    System.out.printf(
        "  %-8s %6s %6s %7s %8s %8s %9s %8s %7s %12s %7s %7s %7s %7s %6s %9s %9s %8s %7s %6s%n",
        "target", "N", "ident", "conn s", "ms/conn", "-JIT", "cold ms/c", "KB/conn", "heap KB", "deliveries/s", "p50", "p90", "p99", "max", "lost", "ms/1k dl", "GC n/ms", "alloc/c", "B/dl", "dl/wr");
    for (Run r : runs) {
      System.out.printf(
          Locale.ROOT,
          "  %-8s %6d %6d %7.1f %8.2f %8.2f %9.2f %8.1f %7.1f %12.0f %7.1f %7.1f %7.1f %7.1f %6d %9.3f %9s %8.1f %7.0f %6.1f%n",
          r.target, r.n, r.identified, r.connectSeconds, r.cpuMsPerConnect(), r.cpuMsPerConnectWithoutJit(), r.cpuMsPerColdConnect(), r.rssPerConnection() / 1024.0, r.heapPerConnection() / 1024.0, r.burst.deliveriesPerSecond(),
          r.burst.ms(50), r.burst.ms(90), r.burst.ms(99), r.burst.maxMs(), r.burst.lost(),
          r.burst.cpuMsPer1kDeliveries(), r.gc[0] + "/" + r.gc[1], r.allocKbPerConnect(), r.burst.allocBytesPerDelivery(), r.burst.deliveriesPerWrite());
      Burst w = r.second;
      if (w != null) {
        System.out.printf(
            Locale.ROOT,
            "           second burst: %.0f deliveries/s, p50 %.1f, p99 %.1f ms, lost %d, %.3f ms CPU per 1k%n",
            w.deliveriesPerSecond(), w.ms(50), w.ms(99), w.lost(), w.cpuMsPer1kDeliveries());
      }
      if (!r.closeCodes.isEmpty()) {
        System.out.println("           close codes: " + r.closeCodes);
      }
      if (r.parts.size() > 1) {
        StringBuilder b = new StringBuilder("           per JVM, ms CPU / connect, KB RSS / heap per idle conn:");
        for (Part p : r.parts) {
          b.append(String.format(Locale.ROOT, " %s %.2f, %.1f / %.1f;", p.name(), p.cpuMsPerConnect(), p.kbPerConnection(), p.heapKbPerConnection()));
        }
        System.out.println(b);
      }
      if (!r.serverErrors.equals("0")) {
        System.out.println("           server errors: " + r.serverErrors);
      }
    }
    for (Run c : runs) {
      Run b = baseline(c.n);
      if (!c.target.equals("baseline") && b != null) {
        System.out.printf(
            Locale.ROOT,
            "  N = %d: %s / baseline: deliveries/s %.0f %%, p99 %.1fx, connect time %.1fx, CPU per connect %.1fx, memory per connection %.1fx%n",
            c.n,
            c.target,
            100 * c.burst.deliveriesPerSecond() / b.burst.deliveriesPerSecond(),
            c.burst.ms(99) / Math.max(1e-9, b.burst.ms(99)),
            c.connectSeconds / Math.max(1e-9, b.connectSeconds),
            c.cpuMsPerConnect() / Math.max(1e-9, b.cpuMsPerConnect()),
            (double) c.rssPerConnection() / Math.max(1, b.rssPerConnection()));
        Burst cw = c.second;
        Burst bw = b.second;
        if (cw != null && bw != null) {
          System.out.printf(
              Locale.ROOT,
              "           second burst: deliveries/s %.0f %%, p99 %.1fx%n",
              100 * cw.deliveriesPerSecond() / Math.max(1e-9, bw.deliveriesPerSecond()),
              cw.ms(99) / Math.max(1e-9, bw.ms(99)));
        }
      }
    }
    if (!mixes.isEmpty()) {
      System.out.printf("  scenario (c), a mix of guilds of long-tail sizes, fixed publish rate:%n");
      System.out.printf("  %-8s %7s %7s %8s %12s %7s %7s %7s %9s%n", "target", "clients", "guilds", "largest", "deliveries/s", "p50", "p99", "lost", "ms/1k dl");
      for (MixRun m : mixes) {
        System.out.printf(
            Locale.ROOT,
            "  %-8s %7d %7d %8d %12.0f %7.1f %7.1f %7d %9.3f%n",
            m.target, m.clients, m.guilds, m.largestGuild, m.delivery.deliveriesPerSecond(), m.delivery.ms(50), m.delivery.ms(99), m.delivery.lost(), m.delivery.cpuMsPer1kDeliveries());
      }
    }
    for (Run r : runs) {
      if (!r.series.isEmpty()) {
        System.out.printf("  fixed rate, %s N=%d: second, deliveries, p50/p99/max ms, publishes refused%n", r.target, r.n);
        for (Point p : r.series) {
          System.out.printf(Locale.ROOT, "    %4.0f %9d %7.1f %7.1f %7.1f %4d%n", p.t(), p.deliveries(), p.p50Ms(), p.p99Ms(), p.maxMs(), p.refused());
        }
      }
    }
  }

  private Run baseline(int n) {
    return runs.stream().filter(r -> r.n == n && r.target.equals("baseline")).findFirst().orElse(null);
  }

  private static ObjectNode burstJson(ObjectNode o, Burst b) {
    o.put("expected", b.expected).put("delivered", b.delivered).put("lost", b.lost()).put("publish_errors", b.publishErrors);
    o.put("seconds", b.seconds).put("deliveries_per_second", b.deliveriesPerSecond()).put("server_cpu_ms_per_1k_deliveries", b.cpuMsPer1kDeliveries())
        .put("server_alloc_bytes_per_delivery", b.allocBytesPerDelivery())
        .put("server_write_syscalls", b.writes)
        .put("deliveries_per_server_write_syscall", b.deliveriesPerWrite());
    o.putObject("latency_ms")
        .put("p50", b.ms(50))
        .put("p90", b.ms(90))
        .put("p99", b.ms(99))
        .put("max", b.maxMs())
        .put("samples", b.latency.getTotalCount());
    return o;
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectNode root = JSON.createObjectNode();
    root.put("date", Instant.now().toString());
    root.put("cores", Runtime.getRuntime().availableProcessors());
    root.put("args", String.join(" ", args));
    root.put("concord_published_through", publishedThrough);
    ArrayNode out = root.putArray("runs");
    for (Run r : runs) {
      ObjectNode o = out.addObject();
      o.put("target", r.target).put("connections", r.n).put("identified", r.identified).put("failed_connects", r.failedConnects);
      o.putObject("connect")
          .put("seconds", r.connectSeconds)
          .put("connects_per_second", r.connectsPerSecond())
          .put("server_cpu_ms_per_connect", r.cpuMsPerConnect())
          .put("cold_identified", r.coldIdentified)
          .put("cold_server_cpu_ms_per_connect", r.cpuMsPerColdConnect())
          .put("server_jit_ms_during_warm_storm", r.jitWarmMs)
          .put("server_cpu_ms_per_connect_without_jit_threads", r.cpuMsPerConnectWithoutJit())
          .put("server_alloc_kb_per_connect", r.allocKbPerConnect());
      o.putObject("idle").put("rss_before_bytes", r.rssBefore).put("rss_idle_bytes", r.rssIdle).put("rss_per_connection_bytes", r.rssPerConnection())
          .put("heap_before_bytes", r.heapBefore).put("heap_idle_bytes", r.heapIdle).put("heap_per_connection_bytes", r.heapPerConnection());
      var parts = o.putArray("jvms");
      for (Part p : r.parts) {
        parts.addObject().put("name", p.name()).put("cpu_ms_per_connect", p.cpuMsPerConnect()).put("kb_per_idle_connection", p.kbPerConnection()).put("heap_kb_per_idle_connection", p.heapKbPerConnection());
      }
      ObjectNode burst = burstJson(o.putObject("burst"), r.burst);
      Burst w = r.second;
      if (w != null) {
        burstJson(burst.putObject("second"), w);
      }
      o.putObject("gc").put("collections", r.gc[0]).put("millis", r.gc[1]);
      o.put("server_errors", r.serverErrors);
      ObjectNode codes = o.putObject("close_codes");
      r.closeCodes.forEach((k, v) -> codes.put(Integer.toString(k), v));
      ArrayNode series = o.putArray("fixed_rate");
      for (Point p : r.series) {
        series.addObject().put("t", p.t()).put("deliveries", p.deliveries()).put("p50_ms", p.p50Ms()).put("p99_ms", p.p99Ms()).put("max_ms", p.maxMs()).put("refused", p.refused());
      }
    }
    ArrayNode mix = root.putArray("mix");
    for (MixRun m : mixes) {
      mix.addObject()
          .put("target", m.target)
          .put("clients", m.clients)
          .put("guilds", m.guilds)
          .put("largest_guild", m.largestGuild)
          .put("identified", m.identified)
          .put("expected", m.delivery.expected)
          .put("delivered", m.delivery.delivered)
          .put("lost", m.delivery.lost())
          .put("publishes_refused", m.refused)
          .put("deliveries_per_second", m.delivery.deliveriesPerSecond())
          .put("p50_ms", m.delivery.ms(50))
          .put("p99_ms", m.delivery.ms(99))
          .put("server_cpu_ms_per_1k_deliveries", m.delivery.cpuMsPer1kDeliveries());
    }
    Path json = dir.resolve("load.json");
    Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    List<Path> plots = LoadPlots.write(this, dir);
    System.out.println("  wrote " + json + " and " + plots);
  }
}
