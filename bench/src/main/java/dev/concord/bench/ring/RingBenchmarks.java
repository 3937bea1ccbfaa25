package dev.concord.bench.ring;

import dev.concord.bench.ring.RingFixtures.MoveStats;
import dev.concord.ring.RingSnapshot;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs every ring measurement in one go and prints one summary table.
 *
 * <ol>
 *   <li>{@link RingLookupBenchmark} ({@code concord}, {@code treeMapSynchronized}, {@code
 *       singleThreadOwner}, {@code singleThreadOwnerSpinning}) in Throughput mode at 1 thread and
 *       at 2 threads (ops/µs, summed over threads), then in AverageTime mode at 1 thread (ns per
 *       lookup);
 *   <li>{@link RingBatchBenchmark}: 2.5 M lookups (500 k sessions × 5 guilds) on one thread, in
 *       SingleShotTime mode (ms per batch; the median over iterations is reported);
 *   <li>no timing: the fraction of 1 M random snowflake keys whose owner changes when a 21st member
 *       joins a 20-member ring (512 virtual nodes), against the ideal 1/21; and, to show how much
 *       that depends on the newcomer's id, the same for 20 different newcomer ids.
 * </ol>
 *
 * <p>It prints, per benchmark, the median over measurement iterations and JMH's mean ± 99.9 %
 * error; then the 2-thread/1-thread throughput ratio, the Concord ring's speed-up over each
 * baseline, the batch time and the moved-key fraction. Defaults (2 forks, 3 × 1 s warmup, 5 × 1 s
 * measurement per benchmark; 10 + 20 single shots per batch benchmark) take about 4 minutes on 2
 * cores.
 *
 * <p>Run (from the repository root, after {@code make build} or {@code mvn install -DskipTests}):
 *
 * <pre>{@code
 * mvn -B -q -pl bench exec:exec -Dexec.executable=$JAVA_HOME/bin/java \
 *   -Dexec.args="-cp %classpath dev.concord.bench.ring.RingBenchmarks"
 * }</pre>
 *
 * <p>Options (append to {@code exec.args}): {@code --forks N}, {@code --warmup N}, {@code
 * --iterations N}, {@code --time-ms N} (per warmup/measurement iteration), {@code
 * --batch-warmup N}, {@code --batch-iterations N}, {@code --moved-keys N}, {@code --quiet} (no
 * JMH progress output), {@code --quick} (a smoke run: 1 fork, 1 + 2 short iterations).
 */
public final class RingBenchmarks {
  private RingBenchmarks() {}

  /** Newcomer ids tried for the moved-key spread (guild-20, guild-21, ...). */
  private static final int NEWCOMERS = 20;

  private static final String LOOKUP = RingLookupBenchmark.class.getName();
  private static final String BATCH = RingBatchBenchmark.class.getName();
  private static final String[] DESIGNS = {
    "concord", "treeMapSynchronized", "singleThreadOwner", "singleThreadOwnerSpinning"};

  /** Run settings; every field can be overridden from the command line. */
  static final class Config {
    int forks = 2;
    int warmup = 3;
    int iterations = 5;
    int timeMs = 1_000;
    int batchWarmup = 10;
    int batchIterations = 20;
    int movedKeys = 1_000_000;
    boolean quiet;

    static Config parse(String[] args) {
      Config c = new Config();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--forks" -> c.forks = Integer.parseInt(args[++i]);
          case "--warmup" -> c.warmup = Integer.parseInt(args[++i]);
          case "--iterations" -> c.iterations = Integer.parseInt(args[++i]);
          case "--time-ms" -> c.timeMs = Integer.parseInt(args[++i]);
          case "--batch-warmup" -> c.batchWarmup = Integer.parseInt(args[++i]);
          case "--batch-iterations" -> c.batchIterations = Integer.parseInt(args[++i]);
          case "--moved-keys" -> c.movedKeys = Integer.parseInt(args[++i]);
          case "--quiet" -> c.quiet = true;
          case "--quick" -> {
            c.forks = 1;
            c.warmup = 1;
            c.iterations = 2;
            c.timeMs = 300;
            c.batchWarmup = 3;
            c.batchIterations = 3;
          }
          default -> throw new IllegalArgumentException("unknown argument: " + a);
        }
      }
      if (c.forks < 1) {
        throw new IllegalArgumentException(
            "--forks must be >= 1 (an unforked run shares the JIT profile)");
      }
      return c;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "forks=%d, lookup: %d warmup + %d measurement x %d ms,"
              + " batch: %d warmup + %d measurement single shots",
          forks, warmup, iterations, timeMs, batchWarmup, batchIterations);
    }
  }

  /** One benchmark's result: median of iterations, JMH's mean and 99.9 % error. */
  record Row(String name, String mode, int threads, double median, double score, double error,
      double min, double max, long n, String unit) {
    static Row of(RunResult r) {
      Result<?> p = r.getPrimaryResult();
      Statistics s = p.getStatistics();
      String bench = r.getParams().getBenchmark();
      String shortName = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
      return new Row(shortName, r.getParams().getMode().shortLabel(), r.getParams().getThreads(),
          s.getPercentile(50), p.getScore(), p.getScoreError(), s.getMin(), s.getMax(), s.getN(),
          p.getScoreUnit());
    }

    String method() {
      return name.substring(name.indexOf('.') + 1);
    }
  }

  public static void main(String[] args) throws RunnerException {
    Config c = Config.parse(args);
    long started = System.nanoTime();
    String loadBefore = loadAverage();
    System.out.println("# Ring benchmarks: " + c);
    Path classpathCopy = snapshotClasspathForForks();
    try {
      runAll(c, started, loadBefore);
    } finally {
      deleteTree(classpathCopy);
    }
  }

  private static void runAll(Config c, long started, String loadBefore) throws RunnerException {
    // 1. Not a timing: how many keys move when a member joins.
    int vnodes = RingFixtures.VIRTUAL_NODES;
    RingSnapshot twenty = RingSnapshot.of(1, vnodes, RingFixtures.members(20));
    RingSnapshot twentyOne = RingSnapshot.of(2, vnodes, RingFixtures.members(21));
    long[] moveKeys = RingFixtures.snowflakes(c.movedKeys, 21);
    MoveStats moved = RingFixtures.moved(twenty, twentyOne, "guild-20", moveKeys);
    double[] otherNewcomers = RingFixtures.movedOverIdeal(twenty, 20, NEWCOMERS, moveKeys);

    // 2. Timings: four JMH runs, each in forked JVMs.
    List<Row> rows = new ArrayList<>();
    rows.addAll(run(lookup(c, Mode.Throughput, 1, TimeUnit.MICROSECONDS)));
    rows.addAll(run(lookup(c, Mode.Throughput, 2, TimeUnit.MICROSECONDS)));
    rows.addAll(run(lookup(c, Mode.AverageTime, 1, TimeUnit.NANOSECONDS)));
    rows.addAll(run(batch(c)));

    printSummary(c, rows, moved, otherNewcomers, (System.nanoTime() - started) / 1e9, loadBefore,
        loadAverage());
  }

  /**
   * Points the forked JVMs at a private copy of every classpath directory (JMH builds each fork's
   * {@code -cp} from {@code java.class.path}). A rebuild of {@code bench/target/classes} while the
   * run is in progress, e.g. {@code mvn install} in another terminal, would otherwise make later
   * forks fail to find the generated benchmark classes.
   */
  private static @Nullable Path snapshotClasspathForForks() {
    List<String> entries = new ArrayList<>();
    Path copies = null;
    try {
      copies = Files.createTempDirectory("ring-bench-cp");
      int n = 0;
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        Path source = Path.of(entry);
        if (!Files.isDirectory(source)) {
          entries.add(entry);
          continue;
        }
        Path target = copies.resolve(Integer.toString(n++));
        try (Stream<Path> files = Files.walk(source)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Files.copy(f, target.resolve(source.relativize(f).toString()));
          }
        }
        entries.add(target.toString());
      }
    } catch (IOException e) {
      System.out.println("# could not copy the classpath for the forks, using it in place: " + e);
      deleteTree(copies);
      return null;
    }
    System.setProperty("java.class.path", String.join(File.pathSeparator, entries));
    return copies;
  }

  private static void deleteTree(@Nullable Path root) {
    if (root == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      System.out.println("# could not delete " + root + ": " + e);
    }
  }

  /** The 1/5/15-minute load averages (Linux), to tell a quiet run from one that shared the CPUs. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static ChainedOptionsBuilder common(Config c) {
    return new OptionsBuilder()
        .forks(c.forks)
        .jvmArgsAppend("-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow")
        .shouldFailOnError(true)
        .verbosity(c.quiet ? VerboseMode.SILENT : VerboseMode.NORMAL);
  }

  private static ChainedOptionsBuilder lookup(Config c, Mode mode, int threads, TimeUnit unit) {
    return common(c)
        .include("^" + LOOKUP.replace(".", "\\.") + "\\.")
        .mode(mode)
        .threads(threads)
        .timeUnit(unit)
        .warmupIterations(c.warmup)
        .warmupTime(TimeValue.milliseconds(c.timeMs))
        .measurementIterations(c.iterations)
        .measurementTime(TimeValue.milliseconds(c.timeMs));
  }

  private static ChainedOptionsBuilder batch(Config c) {
    return common(c)
        .include("^" + BATCH.replace(".", "\\.") + "\\.")
        .mode(Mode.SingleShotTime)
        .threads(1)
        .timeUnit(TimeUnit.MILLISECONDS)
        .warmupIterations(c.batchWarmup)
        .measurementIterations(c.batchIterations);
  }

  private static List<Row> run(ChainedOptionsBuilder options) throws RunnerException {
    Collection<RunResult> results = new Runner(options.build()).run();
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      rows.add(Row.of(r));
    }
    return rows;
  }

  private static Row find(List<Row> rows, String clazz, String mode, int threads, String method) {
    for (Row r : rows) {
      if (r.name().startsWith(clazz + ".") && r.method().equals(method) && r.mode().equals(mode)
          && r.threads() == threads) {
        return r;
      }
    }
    throw new IllegalStateException(
        "no result for " + clazz + "." + method + " " + mode + " t" + threads);
  }

  private static void printSummary(
      Config c, List<Row> rows, MoveStats moved, double[] otherNewcomers, double seconds,
      String loadBefore, String loadAfter) {
    String lk = RingLookupBenchmark.class.getSimpleName();
    String bt = RingBatchBenchmark.class.getSimpleName();
    StringBuilder out = new StringBuilder();
    out.append('\n').append("=".repeat(100)).append('\n');
    out.append("Ring benchmark summary\n");
    out.append(String.format(Locale.ROOT, "JVM %s (%s), %d CPUs, %s; %s%n",
        System.getProperty("java.vm.version"), System.getProperty("java.vm.name"),
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), c));
    out.append(String.format(Locale.ROOT,
        "ring: %d members x %d virtual nodes; keys: random snowflakes%n",
        RingFixtures.MEMBERS, RingFixtures.VIRTUAL_NODES));
    out.append("-".repeat(100)).append('\n');
    out.append(String.format(Locale.ROOT, "%-46s %-6s %3s %12s %24s %3s  %s%n",
        "benchmark", "mode", "thr", "median", "mean +- 99.9% error", "n", "unit"));
    for (Row r : rows) {
      out.append(String.format(Locale.ROOT, "%-46s %-6s %3d %12s %24s %3d  %s%n",
          r.name(), r.mode(), r.threads(), num(r.median()),
          num(r.score()) + " +- " + num(r.error()), r.n(), r.unit()));
    }

    out.append("-".repeat(100)).append('\n');
    out.append("Lookup, per design (medians):\n");
    out.append(String.format(Locale.ROOT, "  %-27s %12s %14s %14s %12s%n",
        "design", "ns/lookup t1", "ops/us t1", "ops/us t2", "t2/t1"));
    Map<String, double[]> perDesign = new LinkedHashMap<>();
    for (String d : DESIGNS) {
      double ns = find(rows, lk, "avgt", 1, d).median();
      double t1 = find(rows, lk, "thrpt", 1, d).median();
      double t2 = find(rows, lk, "thrpt", 2, d).median();
      perDesign.put(d, new double[] {ns, t1, t2});
      out.append(String.format(Locale.ROOT, "  %-27s %12s %14s %14s %11.2fx%n",
          d, num(ns), num(t1), num(t2), t2 / t1));
    }
    double[] concord = perDesign.get("concord");
    double scaling = concord[2] / concord[1];
    out.append(String.format(Locale.ROOT,
        "  concord 2-thread/1-thread throughput: %.2fx (target >= 1.70x: %s)%n",
        scaling, scaling >= 1.7 ? "met" : "NOT met"));

    out.append("Concord ring vs baselines (how many times faster; medians):\n");
    for (String d : DESIGNS) {
      if (d.equals("concord")) {
        continue;
      }
      double[] b = perDesign.get(d);
      out.append(String.format(Locale.ROOT,
          "  vs %-27s latency t1: %9.1fx   throughput t1: %9.1fx   throughput t2: %9.1fx%n",
          d, b[0] / concord[0], concord[1] / b[1], concord[2] / b[2]));
    }

    Row batchConcord = find(rows, bt, "ss", 1, "concord");
    Row batchTree = find(rows, bt, "ss", 1, "treeMapSynchronized");
    out.append(String.format(Locale.ROOT,
        "Batch: %,d lookups (%,d sessions x %d guilds) on 1 thread:%n",
        RingBatchBenchmark.LOOKUPS, RingBatchBenchmark.SESSIONS,
        RingBatchBenchmark.GUILDS_PER_SESSION));
    out.append(String.format(Locale.ROOT,
        "  %-27s median %8.1f ms (min %.1f, max %.1f, n=%d)  target <= 250 ms: %s%n",
        "concord", batchConcord.median(), batchConcord.min(), batchConcord.max(), batchConcord.n(),
        batchConcord.median() <= 250 ? "met" : "NOT met"));
    out.append(String.format(Locale.ROOT,
        "  %-27s median %8.1f ms (min %.1f, max %.1f, n=%d)%n",
        "treeMapSynchronized", batchTree.median(), batchTree.min(), batchTree.max(),
        batchTree.n()));
    for (String d : new String[] {"singleThreadOwner", "singleThreadOwnerSpinning"}) {
      double ns = perDesign.get(d)[0];
      out.append(String.format(Locale.ROOT,
          "  %-27s ~%.2f s (not run: 2.5 M x its median %s ns/lookup)%n",
          d, ns * RingBatchBenchmark.LOOKUPS / 1e9, num(ns)));
    }

    double ideal = 1.0 / 21;
    out.append(String.format(Locale.ROOT,
        "Member join 20 -> 21 (%d virtual nodes), %,d random snowflake keys:%n",
        RingFixtures.VIRTUAL_NODES, moved.keys()));
    out.append(String.format(Locale.ROOT,
        "  moved %,d = %.4f (%.2f%%); ideal 1/21 = %.4f (%.2f%%); moved/ideal = %.3f; moved to a"
            + " member other than the newcomer: %d%n",
        moved.moved(), moved.fraction(), 100 * moved.fraction(), ideal, 100 * ideal,
        moved.fraction() / ideal, moved.movedElsewhere()));
    double[] sorted = otherNewcomers.clone();
    Arrays.sort(sorted);
    double mean = Arrays.stream(sorted).average().orElse(Double.NaN);
    double var = Arrays.stream(sorted).map(x -> (x - mean) * (x - mean)).sum() / sorted.length;
    out.append(String.format(Locale.ROOT,
        "  same join with newcomer ids guild-20..guild-%d (%d joins), moved/ideal: mean %.3f,"
            + " sd %.3f, min %.3f, median %.3f, max %.3f%n",
        20 + sorted.length - 1, sorted.length, mean, Math.sqrt(var), sorted[0],
        sorted[sorted.length / 2], sorted[sorted.length - 1]));
    out.append(String.format(Locale.ROOT,
        "Total wall time: %.0f s; load average (1/5/15 min) before: %s, after: %s%n",
        seconds, loadBefore, loadAfter));
    out.append("=".repeat(100)).append('\n');
    System.out.print(out);
  }

  private static String num(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
