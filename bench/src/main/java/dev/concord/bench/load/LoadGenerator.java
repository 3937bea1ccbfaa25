package dev.concord.bench.load;

import dev.concord.bench.BenchArgs;
import dev.concord.protocol.Intents;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code make bench-load}: N identified Gateway v10 clients in one guild against the suite and
 * against the bare-Netty baseline, each server in its own JVM (its CPU and memory read from
 * {@code /proc}), the clients and the publisher in this one, the two targets alternating per N.
 * Per target and N it measures, in order:
 * <ul>
 *   <li>(d) connect storm: N clients connect and identify with at most {@code --max-pending}
 *       handshakes outstanding; connects/s and server CPU per connect;
 *   <li>(e) idle hold: resident memory and live heap of the server after a full GC, before the N
 *       identified connections and after they sat idle for {@code --idle-seconds} (45: every
 *       client heartbeated, with its last seq); bytes per idle identified connection;
 *   <li>(a) burst: {@code --messages} publishes with {@code --in-flight} outstanding as fast as
 *       they go; deliveries/s (first publish to last frame), latency from publish to receipt
 *       (HdrHistogram, every 8th frame), lost frames, server CPU per 1 000 deliveries; then the
 *       same burst again ({@code --second-burst}, default true), printed beside the first: the
 *       first is also the first time the server's JVM runs its fan-out at that N;
 *   <li>(b) fixed rate, at the N given by {@code --rate-at}: {@code --rate} publishes/s for {@code
 *       --rate-seconds}; deliveries and latency per second.
 * </ul>
 * It prints a table with Concord / baseline per N, writes {@code load.json} and PNG plots into
 * {@code --out}. Publishing: the suite through gRPC {@code GuildApi/CreateMessage} by the guild's
 * owner, or with {@code --publish rest} through REST {@code POST /api/v10/channels/{id}/messages},
 * message {@code i} by member {@code i mod N} with its token (scenario (c) always through gRPC);
 * the baseline through its {@code POST /publish}.
 *
 * <p>Then (c), a Discord-like mix ({@link MixScenario}): {@code --mix-clients} (5 000; 0 skips
 * it) in {@code --mix-guilds} (50) guilds of long-tail sizes, {@code --mix-rate} (50) messages/s
 * for {@code --mix-seconds} (10).
 *
 * <p>{@code --targets} picks the targets, in order: {@code baseline}, {@code concord} (the five
 * services in one JVM, as {@code make run}), {@code split} (a JVM per service, as pods; its CPU and
 * memory are the sums over the five). {@code --targets concord} runs one target alone, e.g. with a profiler
 * in {@code --server-jvm}; {@code --suite-arg --key=value} (repeatable) sets something in every
 * service of the suite, e.g. to measure a switch off and on.
 *
 * <p>{@code --heap-histogram true} writes each server JVM's live objects by class, with the cold
 * storm's N clients idle, to {@code histogram-<target>-<N>-<jvm>.txt} in {@code --out}, and the
 * same before the clients came to {@code histogram-before-<target>-<N>-<jvm>.txt}.
 *
 * <p>Against a deployed gateway: {@code --url ws://host:port --grpc guild-host:port --secret S}
 * (the token secret of that deployment) runs the same scenarios against it alone, without server
 * CPU and memory unless {@code --server-pid} names a local process; with {@code --publish rest}
 * the messages go to the gateway's REST API ({@code --rest http://host:port}, by default the
 * {@code --url}'s host and port), subject to that deployment's rate limits.
 *
 * <p>Limits here: a process may hold at most {@code ulimit -Hn} files (20 000 on these machines,
 * not raisable without CAP_SYS_RESOURCE), so the server's N stays below that; the largest default
 * N is 19 000.
 */
public final class LoadGenerator {
  private LoadGenerator() {}

  static final String SECRET = "bench-secret-0123456789abcdef0123456789";
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

  public static void main(String[] args) throws Exception {
    List<Integer> ns = Arrays.stream(BenchArgs.stringArg(args, "--connections", "1000,5000,19000").split(",")).map(s -> Integer.parseInt(s.trim())).toList();
    Settings s =
        new Settings(
            BenchArgs.intArg(args, "--messages", 200),
            BenchArgs.intArg(args, "--in-flight", 64),
            BenchArgs.intArg(args, "--client-threads", 2),
            BenchArgs.intArg(args, "--max-pending", 1000),
            BenchArgs.intArg(args, "--rate", 100),
            BenchArgs.intArg(args, "--rate-seconds", 10),
            BenchArgs.intArg(args, "--rate-at", ns.getFirst()),
            !BenchArgs.stringArg(args, "--warm-connect", "true").equals("false"),
            !BenchArgs.stringArg(args, "--second-burst", "true").equals("false"),
            BenchArgs.stringArg(args, "--heap-histogram", "false").equals("true"),
            BenchArgs.intArg(args, "--idle-seconds", 45),
            List.of(BenchArgs.stringArg(args, "--server-jvm", "--enable-native-access=ALL-UNNAMED -XX:+UseG1GC -XX:+UseStringDeduplication -Dio.netty.leakDetection.level=disabled -Xms256m -Xmx1g").split(" ")),
            Path.of(BenchArgs.stringArg(args, "--out", "target/load")));
    String url = BenchArgs.stringArg(args, "--url", "");
    String publish = BenchArgs.stringArg(args, "--publish", "grpc");
    if (!publish.equals("grpc") && !publish.equals("rest")) {
      throw new IllegalArgumentException("--publish " + publish + " (expected: grpc or rest)");
    }
    LoadReport report =
        new LoadReport(args, publish.equals("rest") ? "REST POST /api/v10/channels/{id}/messages, each by one of the members" : "gRPC GuildApi/CreateMessage by the guild's owner");
    for (int n : ns) {
      if (url.isEmpty()) {
        for (String target : BenchArgs.stringArg(args, "--targets", "baseline,concord").split(",")) {
          try (ServerGroup server = ServerGroup.start(target, s.serverJvm(), serverArgs(args), s.out().resolve("server-" + target + "-" + n))) {
            Target t =
                target.equals("baseline")
                    ? Target.baseline(server.addresses().get("gateway"), server.addresses().get("http"), n, s.inFlight())
                    : Target.concord(
                        server.addresses().get("gateway"),
                        server.addresses().get("grpc"),
                        publish.equals("rest") ? server.addresses().get("http") : "",
                        SECRET,
                        n,
                        s.inFlight());
            report.add(run(target, n, t, new ServerStats.Process(server), s));
          }
        }
      } else {
        // derived from --url only when --rest is not given (a wss:// URL cannot be, and need not be then)
        String rest = publish.equals("rest") ? BenchArgs.stringArg(args, "--rest", "") : "";
        if (publish.equals("rest") && rest.isEmpty()) {
          rest = restBaseOf(url);
        }
        Target t = Target.concord(url, BenchArgs.stringArg(args, "--grpc", "127.0.0.1:7720"), rest, BenchArgs.stringArg(args, "--secret", SECRET), n, s.inFlight());
        String pid = BenchArgs.stringArg(args, "--server-pid", "");
        report.add(run("url", n, t, pid.isEmpty() ? new ServerStats.None() : new ServerStats.Pid(Long.parseLong(pid)), s));
      }
    }
    int mixClients = BenchArgs.intArg(args, "--mix-clients", 5000);
    if (mixClients > 0 && url.isEmpty()) {
      MixScenario.Membership m = MixScenario.generate(mixClients, BenchArgs.intArg(args, "--mix-guilds", 50), 42);
      int rate = BenchArgs.intArg(args, "--mix-rate", 50);
      int seconds = BenchArgs.intArg(args, "--mix-seconds", 10);
      for (String target : BenchArgs.stringArg(args, "--targets", "baseline,concord").split(",")) {
        try (ServerGroup server = ServerGroup.start(target, s.serverJvm(), serverArgs(args), s.out().resolve("server-" + target + "-mix"))) {
          MixScenario.MixTarget t =
              target.equals("baseline")
                  ? MixScenario.baseline(server.addresses().get("gateway"), server.addresses().get("http"), m)
                  : MixScenario.concord(server.addresses().get("gateway"), server.addresses().get("grpc"), SECRET, m);
          report.mixes.add(MixScenario.run(target, t, m, new ServerStats.Process(server), rate, seconds, s.maxPending()));
        }
      }
    }
    report.print();
    report.write(s.out());
    System.exit(0);
  }

  /**
   * {@code ws://host[:port]/...} → {@code http://host:port} (the gateway serves REST on its
   * WebSocket port; 80 when the URL names none). The bench's HTTP client speaks no TLS, so a
   * {@code wss://} gateway needs {@code --rest} pointing at a plain-HTTP address of it.
   */
  static String restBaseOf(String gatewayUrl) {
    URI u = URI.create(gatewayUrl);
    if (!"ws".equals(u.getScheme())) {
      throw new IllegalArgumentException(
          "--publish rest: cannot derive a plain-HTTP REST address from " + gatewayUrl + "; give --rest http://host:port");
    }
    return "http://" + u.getHost() + ":" + (u.getPort() < 0 ? 80 : u.getPort());
  }

  /** The {@code --suite-arg} pairs, passed on to {@link LoadServer}. */
  private static List<String> serverArgs(String[] args) {
    List<String> out = new ArrayList<>();
    for (String a : LoadServer.suiteArgs(args)) {
      out.add("--suite-arg");
      out.add(a);
    }
    return out;
  }

  record Settings(
      int messages,
      int inFlight,
      int clientThreads,
      int maxPending,
      int rate,
      int rateSeconds,
      int rateAt,
      boolean warmConnect,
      boolean secondBurst,
      boolean heapHistogram,
      int idleSeconds,
      List<String> serverJvm,
      Path out) {}

  private static LoadReport.Run run(String target, int n, Target t, ServerStats server, Settings s) throws Exception {
    try (t;
        LoadClients clients = new LoadClients(s.clientThreads())) {
      LoadReport.Run r = new LoadReport.Run(target, n);
      // (d) connect storm and (e) idle memory, on the fresh server
      r.heapBefore = server.gc();
      r.rssBefore = server.rssBytes();
      if (s.heapHistogram()) {
        // the same before the clients: what a connection costs is the difference of the two
        server.histograms(s.out().resolve("histogram-before-" + target + "-" + n));
      }
      Map<String, long[]> before = server.each();
      Map<String, long[]> idle = before;
      if (s.warmConnect()) {
        // the cold storm: a fresh JVM compiles its connect path meanwhile (JFR: C2 threads took
        // ~0.8 of a core through Concord's first 5 000 connects), so its CPU is reported apart,
        // and the clients close with 1000 (ending their sessions) for a second, warm storm
        try (LoadClients cold = new LoadClients(s.clientThreads())) {
          Duration cpu0 = server.cpu();
          Progress p = new Progress(target + " N=" + n + " cold connect", n);
          r.coldIdentified = cold.connect(URI.create(t.gatewayUrl()), t.tokens(), INTENTS, s.maxPending(), 600, p::update);
          p.done();
          r.cpuColdConnectMs = server.cpu().minus(cpu0).toNanos() / 1e6;
          idleHold(target, n, s.idleSeconds());
          r.heapIdle = server.gc();
          r.rssIdle = server.rssBytes();
          idle = server.each();
          if (s.heapHistogram()) {
            server.histograms(s.out().resolve("histogram-" + target + "-" + n));
          }
          cold.close();
        }
        awaitQuiet(server);
      }
      Duration cpu0 = server.cpu();
      long[] stats0 = server.gcStats();
      long jit0 = stats0[2];
      Duration compiler0 = server.compilerCpu();
      Map<String, long[]> warm0 = server.each();
      long t0 = System.nanoTime();
      Progress p = new Progress(target + " N=" + n + " connect", n);
      r.identified = clients.connect(URI.create(t.gatewayUrl()), t.tokens(), INTENTS, s.maxPending(), 600, p::update);
      p.done();
      r.connectSeconds = (System.nanoTime() - t0) / 1e9;
      r.failedConnects = clients.failed.get();
      r.cpuConnectMs = server.cpu().minus(cpu0).toNanos() / 1e6;
      Map<String, long[]> warm1 = server.each();
      long[] stats1 = server.gcStats();
      r.jitWarmMs = jit0 < 0 ? -1 : stats1[2] - jit0;
      r.allocConnectBytes = stats0[3] < 0 || stats1[3] < 0 ? -1 : stats1[3] - stats0[3];
      r.cpuConnectCompilerMs = Math.max(0, server.compilerCpu().minus(compiler0).toNanos() / 1e6);
      if (!s.warmConnect()) {
        idleHold(target, n, s.idleSeconds());
        r.heapIdle = server.gc();
        r.rssIdle = server.rssBytes();
        idle = server.each();
      }
      r.parts = LoadReport.Part.of(before, idle, warm0, warm1, r.identified, r.coldIdentified > 0 ? r.coldIdentified : r.identified);

      // (a) burst, and the same again once the first has taught the JIT the path
      long expected = (long) r.identified * s.messages();
      r.burst = burst(t, clients, server, s, expected, target + " N=" + n + " burst");
      if (s.secondBurst()) {
        r.second = burst(t, clients, server, s, expected, target + " N=" + n + " second burst");
      }

      // (b) fixed rate with latency over time
      if (n == s.rateAt()) {
        r.series = fixedRate(t, clients, s.rate(), s.rateSeconds());
      }
      r.gc = server.gcStats();
      // every client closes at once (what broke a relay stream before its batches were bounded by bytes)
      clients.close();
      Thread.sleep(3_000);
      r.closeCodes = clients.closeCodes();
      r.serverErrors = server.errors();
      System.out.println(r.line());
      return r;
    }
  }

  /** (a) {@code s.messages()} creates, {@code s.inFlight()} at a time, until every client has them all. */
  private static LoadReport.Burst burst(Target t, LoadClients clients, ServerStats server, Settings s, long expected, String label)
      throws InterruptedException {
    LoadReport.Burst b = new LoadReport.Burst();
    clients.reset();
    clients.interval();
    Duration cpu0 = server.cpu();
    long alloc0 = server.gcStats()[3];
    long writes0 = server.writeSyscalls();
    Semaphore window = new Semaphore(s.inFlight());
    AtomicInteger publishErrors = new AtomicInteger();
    long b0 = System.nanoTime();
    Progress bp = new Progress(label, s.messages());
    for (int i = 0; i < s.messages(); i++) {
      window.acquire();
      t.publish(i, ok -> {
        if (!ok) {
          publishErrors.incrementAndGet();
        }
        window.release();
      });
      bp.update(i + 1);
    }
    bp.done();
    awaitDeliveries(clients, expected, 120);
    b.seconds = (clients.lastDeliveryNanos.get() - b0) / 1e9;
    b.expected = expected;
    b.delivered = clients.deliveries.get();
    b.publishErrors = publishErrors.get();
    b.cpuMs = server.cpu().minus(cpu0).toNanos() / 1e6;
    long alloc1 = server.gcStats()[3];
    b.allocBytes = alloc0 < 0 || alloc1 < 0 ? -1 : alloc1 - alloc0;
    long writes1 = server.writeSyscalls();
    b.writes = writes0 < 0 || writes1 < 0 ? -1 : writes1 - writes0;
    b.latency = clients.interval();
    return b;
  }

  /**
   * (e) The connections sit idle for {@code seconds} before their memory is read: an idle
   * identified connection has heartbeated (HELLO's interval is 41.25 s, the first beat after a
   * random part of it), so the session knows what the client has and keeps nothing for a resume.
   */
  private static void idleHold(String target, int n, int seconds) throws InterruptedException {
    Progress p = new Progress(target + " N=" + n + " idle hold", seconds);
    for (int i = 1; i <= seconds; i++) {
      Thread.sleep(1_000);
      p.update(i);
    }
    p.done();
  }

  /**
   * Waits until the server uses less than a tenth of a core over half a second (at most 30 s), so
   * that no work left from before (sessions ending, JIT) is counted in what follows.
   */
  private static void awaitQuiet(ServerStats server) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Thread.sleep(1_000);
    Duration last = server.cpu();
    while (System.nanoTime() < deadline) {
      Thread.sleep(500);
      Duration now = server.cpu();
      if (now.minus(last).toMillis() < 50) {
        return;
      }
      last = now;
    }
  }

  /** Waits until {@code expected} frames arrived, or nothing arrived for 10 s, or {@code maxSeconds}. */
  static void awaitDeliveries(LoadClients clients, long expected, int maxSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    long last = -1;
    long stableSince = System.nanoTime();
    Progress p = new Progress("  deliveries", expected);
    while (clients.deliveries.get() < expected && System.nanoTime() < deadline) {
      long d = clients.deliveries.get();
      p.update(d);
      if (d != last) {
        last = d;
        stableSince = System.nanoTime();
      } else if (System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(10)) {
        break; // nothing arrived for 10 s: the rest is lost
      }
      Thread.sleep(5);
    }
    p.update(clients.deliveries.get());
    p.done();
  }

  /** {@code rate} publishes per second for {@code seconds}; one point per second (then 3 s to drain). */
  private static List<LoadReport.Point> fixedRate(Target t, LoadClients clients, int rate, int seconds) throws InterruptedException {
    clients.reset();
    clients.interval();
    List<LoadReport.Point> series = new ArrayList<>();
    long start = System.nanoTime();
    long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
    Semaphore outstanding = new Semaphore(4 * rate);
    AtomicInteger refused = new AtomicInteger();
    long nextPoint = start + TimeUnit.SECONDS.toNanos(1);
    long lastCount = 0;
    int total = rate * seconds;
    for (int i = 0; i < total || System.nanoTime() < start + TimeUnit.SECONDS.toNanos(seconds + 3L); ) {
      long now = System.nanoTime();
      if (now >= nextPoint) {
        long count = clients.deliveries.get();
        Histogram h = clients.interval();
        series.add(LoadReport.Point.of((nextPoint - start) / 1e9, count - lastCount, h, refused.getAndSet(0)));
        lastCount = count;
        nextPoint += TimeUnit.SECONDS.toNanos(1);
        continue;
      }
      if (i < total && now >= start + i * periodNanos) {
        if (outstanding.tryAcquire()) {
          t.publish(
              i,
              ok -> {
                if (!ok) {
                  refused.incrementAndGet(); // not accepted (no free HTTP connection, or an error status)
                }
                outstanding.release();
              });
        } else {
          refused.incrementAndGet(); // the server is this far behind: counted, not queued without end
        }
        i++;
        continue;
      }
      LockSupport.parkNanos(Math.min(nextPoint - now, i < total ? Math.max(0, start + i * periodNanos - now) : nextPoint - now));
    }
    return series;
  }

  /** A progress bar on stderr, redrawn at most 5 times a second. */
  static final class Progress {
    private final String label;
    private final long total;
    private long drawnAt;

    Progress(String label, long total) {
      this.label = label;
      this.total = Math.max(1, total);
    }

    void update(long done) {
      long now = System.nanoTime();
      if (now - drawnAt < 200_000_000L && done < total) {
        return;
      }
      drawnAt = now;
      int width = 30;
      int filled = (int) Math.min(width, width * done / total);
      System.err.printf(Locale.ROOT, "\r%-34s [%s%s] %3d%% %d/%d", label, "#".repeat(filled), " ".repeat(width - filled), 100 * done / total, done, total);
    }

    void done() {
      System.err.println();
    }
  }
}
