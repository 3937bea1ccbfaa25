package dev.concord.bench.large;

import com.google.protobuf.ByteString;
import dev.concord.fanout.RelayHub;
import dev.concord.fanout.RelayService;
import dev.concord.fanout.RelayWorkers;
import dev.concord.proto.common.v1.TraceContext;
import dev.concord.proto.guild.v1.ContentGate;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.proto.guild.v1.User;
import dev.concord.proto.session.v1.Identify;
import dev.concord.protocol.Intents;
import dev.concord.session.core.Connection;
import dev.concord.session.core.GuildPort;
import dev.concord.session.core.LinkSink;
import dev.concord.session.core.PassiveSessions;
import dev.concord.session.core.PresencePort;
import dev.concord.session.core.Session;
import dev.concord.session.core.SessionManager;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The session pods' side of {@code make bench-large}: one guild pod's {@link RelayHub} behind a
 * real gRPC server, and {@code pods} session pods in this JVM (real {@link SessionManager}s and
 * workers) reading their relay streams over loopback, holding {@code sessions} identified user
 * sessions of one guild, of which {@code activePercent} look at it (op 14). Messages are published
 * at a fixed rate as the guild loop would (one relay event per pod, every subscribed session key).
 *
 * <p>Measured: the latency from a publish to its delivery to the LAST active session; deliveries
 * and bytes leaving the session pods (as link messages, where the payload travels once per
 * dispatch, and as the client frames the gateways then write); heap per session.
 */
final class LargeSessionTier {
  static final long GUILD = 1L << 45;
  static final long CHANNEL = GUILD + 1;

  private LargeSessionTier() {}

  /** One session pod: a real SessionManager; its links count what leaves it. */
  static final class Pod implements LinkSink {
    final String id;
    final RelayWorkers workers;
    final SessionManager manager;
    final LinkedHashSet<Long> keys = new LinkedHashSet<>();
    final List<Session> sessions = new ArrayList<>();
    final Meter meter;
    /** Connections with an id below this are the active ones. */
    final int activeBelow;

    Pod(String id, Meter meter, int activeBelow, boolean passive) {
      this.id = id;
      this.meter = meter;
      this.activeBelow = activeBelow;
      this.workers = new RelayWorkers(id + "-worker-", Runtime.getRuntime().availableProcessors(), 1 << 20);
      GuildPort guilds =
          new GuildPort() {
            @Override
            public CompletableFuture<User> user(long userId) {
              return CompletableFuture.completedFuture(User.newBuilder().setId(userId).setUsername("u" + userId).addGuildIds(GUILD).build());
            }

            @Override
            public CompletableFuture<Joined> join(long guildId, Session session, long since) {
              return CompletableFuture.completedFuture(
                  new Joined(JoinResponse.newBuilder().setGuildCreateJson(ByteString.copyFromUtf8("{}")).build(), "guild-0"));
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
      PassiveSessions.Policy policy = new PassiveSessions.Policy(passive, 10, Duration.ofSeconds(1), 4096, 4L << 20, 256L << 20);
      this.manager =
          new SessionManager(
              id,
              workers,
              guilds,
              presence,
              1024,
              SessionManager.ResumePolicy.DEFAULT,
              policy,
              Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name(id + "-timers").daemon().factory()));
    }

    void identify(int count, long firstUserId) {
      for (int i = 0; i < count; i++) {
        long connId = i;
        Connection c =
            new dev.concord.bench.BenchConnection(
                connId,
                Pod.this,
                frame -> {
                  if (connId == 0 && meter.readyBytes == 0) {
                    meter.readyBytes = frame.size(); // its first frame: READY
                  }
                  meter.direct(frame.size());
                });
        Session s =
            manager.identify(
                Identify.newBuilder()
                    .setUserId(firstUserId + i)
                    .setIntents(Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT)
                    .setCapabilities(1L << 11)
                    .build(),
                c);
        keys.add(s.key());
        sessions.add(s);
      }
    }

    @Override
    public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n) {
      int active = 0;
      long frameBytes = 0;
      for (int i = 0; i < n; i++) {
        if (ids[i] < activeBelow) {
          active++;
        }
        frameBytes += 25 + type.length() + payload.size() + digits(seqs[i]);
      }
      meter.shared(payload, n, active, frameBytes, 16L + type.length() + payload.size() + 12L * n);
      return true;
    }

    @Override
    public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n, TraceContext trace) {
      return sendShared(type, payload, ids, seqs, n);
    }

    void drain() throws InterruptedException {
      CountDownLatch drained = new CountDownLatch(workers.count());
      for (int w = 0; w < workers.count(); w++) {
        workers.execute(w, drained::countDown);
      }
      drained.await(120, TimeUnit.SECONDS);
    }
  }

  private static int digits(long v) {
    int d = 1;
    while (v >= 10) {
      v /= 10;
      d++;
    }
    return d;
  }

  /** What leaves the session pods, and each message's latency to its last active recipient. */
  static final class Meter {
    final LongAdder deliveries = new LongAdder();
    final LongAdder frameBytes = new LongAdder();
    final LongAdder linkBytes = new LongAdder();
    final LongAdder directDispatches = new LongAdder();
    volatile AtomicIntegerArray activeLeft = new AtomicIntegerArray(0);
    volatile long[] publishedAt = new long[0];
    final Histogram latency = new Histogram(3);
    final AtomicLong done = new AtomicLong();
    /** Opens when every message of the armed run reached its last active session. */
    volatile CountDownLatch allDone = new CountDownLatch(1);
    volatile long readyBytes;

    void arm(int messages, int actives) {
      AtomicIntegerArray left = new AtomicIntegerArray(messages);
      for (int i = 0; i < messages; i++) {
        left.set(i, actives);
      }
      publishedAt = new long[messages];
      allDone = new CountDownLatch(1);
      activeLeft = left;
      done.set(0);
    }

    void shared(ByteString payload, int n, int active, long frames, long link) {
      deliveries.add(n);
      frameBytes.add(frames);
      linkBytes.add(link);
      if (active > 0) {
        int msg = messageIndex(payload);
        AtomicIntegerArray left = activeLeft;
        if (msg >= 0 && msg < left.length() && left.addAndGet(msg, -active) == 0) {
          long nanos = System.nanoTime() - publishedAt[msg];
          synchronized (latency) {
            latency.recordValue(Math.max(1, nanos / 1000));
          }
          if (done.incrementAndGet() == left.length()) {
            allDone.countDown();
          }
        }
      }
    }

    void direct(int bytes) {
      deliveries.increment();
      directDispatches.increment();
      frameBytes.add(bytes);
      linkBytes.add(bytes + 12L);
    }
  }

  /** Payloads start with {"id":"<10 digits>": the message's index in the run. */
  static int messageIndex(ByteString payload) {
    int v = 0;
    for (int i = 7; i < 17; i++) {
      int c = payload.byteAt(i) - '0';
      if (c < 0 || c > 9) {
        return -1;
      }
      v = v * 10 + c;
    }
    return v;
  }

  static byte[] payload(int index) {
    return String.format(
            "{\"id\":\"%010d\",\"channel_id\":\"%d\",\"guild_id\":\"%d\",\"author\":{\"id\":\"1574124765818392577\",\"username\":\"alice\","
                + "\"discriminator\":\"0\",\"global_name\":\"Alice\",\"avatar\":null,\"bot\":false},\"content\":\"hello everyone, this is a"
                + " typical short chat message\",\"timestamp\":\"2026-11-22T18:00:00Z\",\"edited_timestamp\":null,\"tts\":false,"
                + "\"mention_everyone\":false,\"mentions\":[],\"mention_roles\":[],\"attachments\":[],\"embeds\":[],\"pinned\":false,"
                + "\"type\":0,\"flags\":0}",
            index, CHANNEL, GUILD)
        .getBytes(StandardCharsets.UTF_8);
  }

  static Map<String, Object> run(boolean passive, int sessions, int podCount, int activePercent, int rate, int seconds) throws Exception {
    int perPod = sessions / podCount;
    int activePerPod = perPod * activePercent / 100;
    Meter meter = new Meter();
    ExecutorService sendPool = Executors.newFixedThreadPool(2);
    RelayHub hub = new RelayHub(sendPool, 1 << 20, 512);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new RelayService(hub)).build().start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().maxInboundMessageSize(64 << 20).build();
    List<Pod> pods = new ArrayList<>();
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      long heapBefore = usedAfterGc();
      CountDownLatch attached = new CountDownLatch(podCount);
      for (int p = 0; p < podCount; p++) {
        Pod pod = new Pod("session-" + p, meter, activePerPod, passive);
        pods.add(pod);
        dev.concord.bench.RelayLoopback.open(channel, pod.id, pod.manager::onRelayEvent, attached);
      }
      if (!attached.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("relay streams did not attach");
      }
      long t0 = System.nanoTime();
      for (int p = 0; p < podCount; p++) {
        pods.get(p).identify(perPod, 10_000_000L * (p + 1));
      }
      for (Pod pod : pods) {
        pod.drain();
      }
      byte[] op14 = ("{\"op\":14,\"d\":{\"guild_id\":\"" + GUILD + "\"}}").getBytes(StandardCharsets.UTF_8);
      for (Pod pod : pods) {
        for (int i = 0; i < activePerPod; i++) {
          pod.manager.subscribeGuild(pod.sessions.get(i), op14);
        }
        pod.drain();
      }
      System.out.printf("  %,d sessions identified, joined and %d %% subscribed in %.1f s%n", sessions, activePercent, (System.nanoTime() - t0) / 1e9);
      long heapAfter = usedAfterGc();
      Map<String, Collection<Long>> byPod = new LinkedHashMap<>();
      for (Pod pod : pods) {
        byPod.put(pod.id, pod.keys);
      }

      // warm-up: a second of messages, then the measured run
      long guildSeq = 0;
      int warm = Math.max(10, rate);
      guildSeq = publishAtRate(hub, byPod, meter, warm, rate, guildSeq, activePerPod * podCount, "warm-up");
      awaitDone(meter, warm);
      for (Pod pod : pods) {
        pod.drain();
      }
      long deliveries0 = meter.deliveries.sum();
      long frames0 = meter.frameBytes.sum();
      long link0 = meter.linkBytes.sum();
      long direct0 = meter.directDispatches.sum();
      long cpu0 = cpuNanos();
      synchronized (meter.latency) {
        meter.latency.reset();
      }
      int messages = rate * seconds;
      long start = System.nanoTime();
      publishAtRate(hub, byPod, meter, messages, rate, guildSeq, activePerPod * podCount, "measured");
      long publishEnd = System.nanoTime();
      awaitDone(meter, messages);
      long end = System.nanoTime();
      for (Pod pod : pods) {
        pod.drain();
      }
      double elapsed = (end - start) / 1e9;
      long deliveries = meter.deliveries.sum() - deliveries0;
      long frameBytes = meter.frameBytes.sum() - frames0;
      long linkBytes = meter.linkBytes.sum() - link0;
      long cpu = cpuNanos() - cpu0;
      Histogram h;
      synchronized (meter.latency) {
        h = meter.latency.copy();
      }
      out.put("mode", passive ? "passive on" : "passive off");
      out.put("sessions", sessions);
      out.put("activeSessions", activePerPod * podCount);
      out.put("messages", messages);
      out.put("completedMessages", meter.done.get());
      out.put("offeredRate", rate);
      out.put("publishSeconds", (publishEnd - start) / 1e9);
      out.put("runSeconds", elapsed);
      out.put("sustainedMessagesPerSecond", meter.done.get() / elapsed);
      out.put("latencyP50Ms", h.getValueAtPercentile(50) / 1000.0);
      out.put("latencyP99Ms", h.getValueAtPercentile(99) / 1000.0);
      out.put("latencyMaxMs", h.getMaxValue() / 1000.0);
      out.put("deliveries", deliveries);
      out.put("deliveriesPerMessage", deliveries / (double) messages);
      out.put("deliveriesPerSecond", deliveries / elapsed);
      out.put("directDispatches", meter.directDispatches.sum() - direct0);
      out.put("linkBytesPerSecond", linkBytes / elapsed);
      out.put("linkBytesPerMessage", linkBytes / (double) messages);
      out.put("clientFrameBytesPerMessage", frameBytes / (double) messages);
      out.put("readyBytes", meter.readyBytes);
      out.put("clientFrameBytesPerSecond", frameBytes / elapsed);
      out.put("cpuCoresBusy", cpu / 1e9 / elapsed);
      out.put("heapBytesPerSession", (heapAfter - heapBefore) / (double) sessions);
      long skipped = 0;
      long updates = 0;
      for (Pod pod : pods) {
        skipped += pod.manager.passiveSkipped();
        updates += pod.manager.passiveUpdates();
      }
      out.put("passiveSkipped", skipped);
      out.put("passiveUpdates", updates);
      return out;
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      sendPool.shutdownNow();
      pods.forEach(p -> p.workers.close());
    }
  }

  /** Publishes {@code count} messages at {@code rate} per second, as the guild loop would. */
  private static long publishAtRate(
      RelayHub hub, Map<String, Collection<Long>> byPod, Meter meter, int count, int rate, long guildSeq, int actives, String phase)
      throws InterruptedException {
    meter.arm(count, actives);
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long next = System.nanoTime();
    long seq = guildSeq;
    for (int i = 0; i < count; i++) {
      long now = System.nanoTime();
      if (next > now) {
        TimeUnit.NANOSECONDS.sleep(next - now); // the fixed publish rate is the load's shape
      }
      next += interval;
      byte[] payload = payload(i);
      ContentGate gate = ContentGate.newBuilder().setAuthorId(1574124765818392577L).setPayloadWithoutContent(ByteString.copyFrom(payload)).build();
      meter.publishedAt[i] = System.nanoTime();
      // as the guild pod publishes a message: one event per session pod, no session keys
      hub.prepareToAll(GUILD, ++seq, "MESSAGE_CREATE", payload, Intents.GUILD_MESSAGES, CHANNEL, 2_000_000L + seq, gate, byPod).run();
      if (i % Math.max(1, rate) == 0) {
        System.out.printf("  %s: %d/%d published, %d reached every active session%n", phase, i, count, meter.done.get());
      }
    }
    return seq;
  }

  /** Until every message reached its last active session, or 300 s (bounded; the report shows how many did). */
  private static void awaitDone(Meter meter, int messages) throws InterruptedException {
    if (meter.done.get() < messages) {
      meter.allDone.await(300, TimeUnit.SECONDS);
    }
  }

  static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
