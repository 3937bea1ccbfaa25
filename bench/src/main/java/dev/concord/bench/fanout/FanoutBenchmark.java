package dev.concord.bench.fanout;

import dev.concord.bench.BenchArgs;
import com.google.protobuf.ByteString;
import dev.concord.fanout.RelayHub;
import dev.concord.fanout.RelayService;
import dev.concord.fanout.RelayWorkers;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.proto.guild.v1.User;
import dev.concord.proto.session.v1.Identify;
import dev.concord.protocol.Intents;
import dev.concord.session.core.Connection;
import dev.concord.session.core.GuildPort;
import dev.concord.session.core.LinkSink;
import dev.concord.session.core.PresencePort;
import dev.concord.session.core.Session;
import dev.concord.session.core.SessionManager;
import dev.concord.tracing.Tracing;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fanout of one guild event to 100 000 sessions spread over 4 session pods, with real gRPC relay
 * streams over loopback, measured side by side with a naive baseline.
 *
 * <p>Workload: one guild pod ({@link RelayHub} behind a {@link RelayService} on a Netty gRPC
 * server) and 4 session pods in this JVM, each a real {@link SessionManager} with its own {@link
 * RelayWorkers} (N = cores) and 25 000 identified, joined sessions, reading its relay stream over
 * loopback. A session's "outbound queue" is its gateway link ({@link LinkSink}); an event counts as
 * delivered to a session when the link holds it. The clock runs from the publish call until the
 * last of the 100 000 recipients' links holds the event.
 *
 * <ul>
 *   <li><b>Concord</b>: the guild sends ONE relay event per session pod (payload serialized once,
 *       recipients listed); each pod partitions recipients over its workers, which stamp {@code s}
 *       and hand one shared dispatch per link.
 *   <li><b>Naive</b>: the guild sends one gRPC message per recipient (same stream, batching off),
 *       and each pod handles each message as its own task.
 * </ul>
 *
 * <p>Printed: median and p99 publish-to-last-recipient latency per design, deliveries per second
 * (single publishes and a sustained back-to-back run), the ratio, and bytes allocated per
 * delivered copy (all threads, during the sustained run).
 *
 * <p>Run: {@code make bench-fanout} (options: {@code --sessions 100000 --pods 4 --iterations 30}).
 */
public final class FanoutBenchmark {
  private static final long GUILD = 1L << 45;

  private FanoutBenchmark() {}

  /** One session pod: a real SessionManager whose sessions' links count deliveries. */
  static final class SessionPod implements LinkSink {
    final String id;
    final RelayWorkers workers;
    final SessionManager manager;
    final List<Long> sessionKeys = new ArrayList<>();
    final Target target;

    SessionPod(String id, Target target, Tracing tracing) {
      this.id = id;
      this.target = target;
      this.workers = new RelayWorkers(id + "-worker-", Runtime.getRuntime().availableProcessors(), 1 << 20);
      GuildPort guilds =
          new GuildPort() {
            @Override
            public CompletableFuture<User> user(long userId) {
              return CompletableFuture.completedFuture(
                  User.newBuilder().setId(userId).setUsername("u" + userId).addGuildIds(GUILD).build());
            }

            @Override
            public CompletableFuture<Joined> join(long guildId, Session session, long since) {
              return CompletableFuture.completedFuture(
                  new Joined(JoinResponse.newBuilder().setSnapshotSeq(0).setGuildCreateJson(ByteString.copyFromUtf8("{}")).build(), "guild-0"));
            }

            @Override
            public void leave(long guildId, String sessionId) {}
          };
      PresencePort presence =
          new PresencePort() {
            @Override
            public void update(long u, String s, String st, String p, String a, Collection<Long> g) {}

            @Override
            public void end(long u, String s, Collection<Long> g) {}
          };
      this.manager = new SessionManager(id, workers, guilds, presence, 1024).withTracing(tracing);
    }

    void identify(int count, long firstUserId) {
      for (int i = 0; i < count; i++) {
        long connId = i;
        // READY / GUILD_CREATE of the set-up are not counted
        Connection c = new dev.concord.bench.BenchConnection(connId, SessionPod.this, frame -> {});
        Session s =
            manager.identify(
                Identify.newBuilder().setUserId(firstUserId + i).setIntents(Intents.GUILD_MESSAGES).build(), c);
        sessionKeys.add(s.key());
      }
    }

    @Override
    public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n) {
      target.add(n);
      return true;
    }
  }

  /** Counts deliveries and notes the time the expected total is reached. */
  static final class Target {
    final AtomicLong count = new AtomicLong();
    volatile long goal = Long.MAX_VALUE;
    volatile long reachedAt;
    volatile CountDownLatch latch = new CountDownLatch(1);

    void arm(long goal) {
      reachedAt = 0;
      latch = new CountDownLatch(1);
      this.goal = count.get() + goal;
    }

    void add(long n) {
      long now = count.addAndGet(n);
      if (now >= goal && reachedAt == 0) {
        reachedAt = System.nanoTime();
        latch.countDown();
      }
    }

    void await() throws InterruptedException {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("deliveries stalled at " + count.get() + " of " + goal);
      }
    }
  }

  record Result(String name, long[] nanos, double sustainedPerSecond, double bytesPerCopy, double cpuNanosPerCopy) {
    long pct(double p) {
      long[] s = nanos.clone();
      Arrays.sort(s);
      return s[Math.max(0, Math.min(s.length - 1, (int) Math.ceil(p / 100 * s.length) - 1))];
    }
  }

  public static void main(String[] args) throws Exception {
    int sessions = BenchArgs.intArg(args, "--sessions", 100_000);
    int pods = BenchArgs.intArg(args, "--pods", 4);
    int iterations = BenchArgs.intArg(args, "--iterations", 30);
    int naiveIterations = BenchArgs.intArg(args, "--naive-iterations", Math.max(3, iterations / 6));
    byte[] payload = samplePayload();

    if (BenchArgs.intArg(args, "--tracing-only", 0) == 1) {
      TracingCost.run(sessions, pods, payload, BenchArgs.intArg(args, "--tracing-events", 50), BenchArgs.intArg(args, "--tracing-rounds", 10));
      System.exit(0);
    }
    Result concord = run("concord (one relay event per pod)", false, sessions, pods, iterations, payload, Tracing.off(), 0);
    Result naive = run("naive (one gRPC message per recipient)", true, sessions, pods, naiveIterations, payload, Tracing.off(), 0);

    System.out.printf(
        "%nFanout of one event to %,d sessions over %d session pods, real gRPC over loopback, %d cores, payload %d bytes%n",
        sessions, pods, Runtime.getRuntime().availableProcessors(), payload.length);
    System.out.printf("%-42s %12s %12s %16s %18s %14s%n", "design", "median ms", "p99 ms", "deliveries/s", "sustained deliv/s", "bytes/copy");
    for (Result r : List.of(concord, naive)) {
      System.out.printf(
          "%-42s %12.1f %12.1f %,16.0f %,18.0f %14.1f%n",
          r.name(),
          r.pct(50) / 1e6,
          r.pct(99) / 1e6,
          sessions / (r.pct(50) / 1e9),
          r.sustainedPerSecond(),
          r.bytesPerCopy());
    }
    System.out.printf(
        "ratio concord / naive: median latency %.1fx faster, sustained throughput %.1fx%n",
        (double) naive.pct(50) / concord.pct(50), concord.sustainedPerSecond() / naive.sustainedPerSecond());
    TracingCost.run(sessions, pods, payload, BenchArgs.intArg(args, "--tracing-events", 50), BenchArgs.intArg(args, "--tracing-rounds", 10));
    System.exit(0);
  }

  /**
   * One guild pod (a {@link RelayHub} behind a real gRPC server on loopback) and {@code podCount}
   * session pods reading their relay streams, with {@code sessions} identified, joined sessions.
   */
  static final class World implements AutoCloseable {
    final ExecutorService sendPool = Executors.newFixedThreadPool(2);
    final RelayHub hub;
    final Server server;
    final ManagedChannel channel;
    final Target target = new Target();
    final List<SessionPod> pods = new ArrayList<>();
    final Map<String, List<Long>> byPod = new LinkedHashMap<>();
    final int recipients;

    World(boolean naive, int sessions, int podCount, Tracing tracing) throws Exception {
      hub = new RelayHub(sendPool, 1 << 22, naive ? 1 : 512, tracing);
      server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new RelayService(hub)).build().start();
      channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().maxInboundMessageSize(64 << 20).build();
      CountDownLatch attached = new CountDownLatch(podCount);
      for (int p = 0; p < podCount; p++) {
        SessionPod pod = new SessionPod("session-" + p, target, tracing);
        pods.add(pod);
        dev.concord.bench.RelayLoopback.open(channel, pod.id, pod.manager::onRelayEvent, attached);
      }
      if (!attached.await(10, TimeUnit.SECONDS)) {
        close();
        throw new IllegalStateException("relay streams did not attach");
      }
      for (int p = 0; p < podCount; p++) {
        pods.get(p).identify(sessions / podCount, 1_000_000L * (p + 1));
      }
      // wait until every session has joined (READY + GUILD_CREATE on its worker)
      for (SessionPod pod : pods) {
        CountDownLatch drained = new CountDownLatch(pod.workers.count());
        for (int w = 0; w < pod.workers.count(); w++) {
          pod.workers.execute(w, drained::countDown);
        }
        drained.await(60, TimeUnit.SECONDS);
        byPod.put(pod.id, pod.sessionKeys);
      }
      recipients = byPod.values().stream().mapToInt(List::size).sum();
    }

    @Override
    public void close() {
      channel.shutdownNow();
      server.shutdownNow();
      sendPool.shutdownNow();
      pods.forEach(p -> p.workers.close());
    }
  }

  /**
   * @param sustainedEvents events in the sustained run (0: half the iterations, at least 5)
   */
  static Result run(
      String name, boolean naive, int sessions, int podCount, int iterations, byte[] payload, Tracing tracing, int sustainedEvents)
      throws Exception {
    try (World world = new World(naive, sessions, podCount, tracing)) {
      RelayHub hub = world.hub;
      Target target = world.target;
      Map<String, List<Long>> byPod = world.byPod;
      int recipients = world.recipients;
      long seq = 0;
      // warm-up
      for (int i = 0; i < Math.max(3, iterations / 3); i++) {
        target.arm(recipients);
        publish(hub, ++seq, payload, byPod, naive, tracing);
        target.await();
      }
      long[] nanos = new long[iterations];
      for (int i = 0; i < iterations; i++) {
        target.arm(recipients);
        long t0 = System.nanoTime();
        publish(hub, ++seq, payload, byPod, naive, tracing);
        target.await();
        nanos[i] = target.reachedAt - t0;
      }
      // sustained: events back to back, as fast as the guild can publish them
      int burst = sustainedEvents > 0 ? sustainedEvents : Math.max(5, iterations / 2);
      Burst b = burst(world, seq, burst, payload, naive, tracing);
      return new Result(name, nanos, b.deliveriesPerSecond(), b.bytesPerCopy(), b.cpuNanosPerCopy());
    }
  }

  record Burst(long lastSeq, double deliveriesPerSecond, double bytesPerCopy, double cpuNanosPerCopy) {}

  /** {@code events} publishes back to back after {@code seq}; timed until the last copy is held. */
  static Burst burst(World world, long seq, int events, byte[] payload, boolean naive, Tracing tracing) throws InterruptedException {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long bytes0 = threads.getTotalThreadAllocatedBytes();
    long cpu0 = os.getProcessCpuTime();
    world.target.arm((long) world.recipients * events);
    long t0 = System.nanoTime();
    for (int i = 0; i < events; i++) {
      publish(world.hub, ++seq, payload, world.byPod, naive, tracing);
    }
    world.target.await();
    long elapsed = world.target.reachedAt - t0;
    long cpu = os.getProcessCpuTime() - cpu0;
    long bytes = threads.getTotalThreadAllocatedBytes() - bytes0;
    double copies = (double) world.recipients * events;
    return new Burst(seq, copies / (elapsed / 1e9), bytes / copies, cpu / copies);
  }

  static void publish(
      RelayHub hub, long seq, byte[] payload, Map<String, List<Long>> byPod, boolean naive, Tracing tracing) {
    if (!naive && tracing.enabled()) {
      // what a guild pod does per publish with tracing on: a head-sampled entry span, and the
      // trace in the relay events only when it is sampled
      io.opentelemetry.api.trace.Span entry = tracing.entry("publish", io.opentelemetry.context.Context.root());
      var send = hub.prepareToAll(GUILD, seq, "MESSAGE_CREATE", payload, Intents.GUILD_MESSAGES, 0, 0, null, byPod);
      if (entry.isRecording()) {
        send.run(entry.getSpanContext());
      } else {
        send.run();
      }
      entry.end();
      return;
    }
    if (!naive) {
      // as the guild pod sends a guild-wide message: one event per pod, the pods' rosters know the recipients
      hub.prepareToAll(GUILD, seq, "MESSAGE_CREATE", payload, Intents.GUILD_MESSAGES, 0, 0, null, byPod).run();
      return;
    }
    // one relay message per recipient: what a guild without relays does
    for (Map.Entry<String, List<Long>> e : byPod.entrySet()) {
      for (Long session : e.getValue()) {
        hub.publish(GUILD, seq, "MESSAGE_CREATE", payload, Intents.GUILD_MESSAGES, Map.of(e.getKey(), List.of(session)));
      }
    }
  }

  static byte[] samplePayload() {
    return ("{\"id\":\"1574124765818392576\",\"channel_id\":\"1574124765868724224\",\"guild_id\":\"1574124765868724225\","
            + "\"author\":{\"id\":\"1574124765818392577\",\"username\":\"alice\",\"discriminator\":\"0\",\"global_name\":\"Alice\","
            + "\"avatar\":null,\"bot\":false},\"content\":\"hello everyone, this is a typical short chat message\","
            + "\"timestamp\":\"2026-11-22T18:00:00Z\",\"edited_timestamp\":null,\"tts\":false,\"mention_everyone\":false,"
            + "\"mentions\":[],\"mention_roles\":[],\"attachments\":[],\"embeds\":[],\"pinned\":false,\"type\":0,\"flags\":0}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
