package dev.concord.bench.rest;

import dev.concord.bench.BenchArgs;
import dev.concord.bench.KeepAliveHttpClient;
import dev.concord.cluster.Channels;
import dev.concord.devsuite.DemoSeed;
import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.protocol.TokenVerifier;
import dev.concord.proto.guild.v1.Message;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntConsumer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Message creates per second and their latency through the REST API ({@code POST
 * /api/v10/channels/{id}/messages}, what bots and chat clients use) against the same through gRPC
 * {@code GuildApi/CreateMessage} (what backends use), measured side by side in one run.
 *
 * <p>Workload: the five services in one JVM (the dev suite, real gRPC and HTTP over loopback, H2
 * as the store as in {@code make run}), the demo guild and channel, no connected clients (this
 * measures the write path, not fanout). Each mode keeps {@code --in-flight} creates outstanding
 * (closed loops: a slot's next create starts from the callback of its last answer) for {@code
 * --seconds}; the modes alternate for {@code --rounds} rounds after a warm-up of each, and the
 * report gives each mode's median round and the median of the rounds' ratios (a round's two
 * modes run back to back on the same store, which grows as the run goes). Clients: grpc-java's
 * async stub; for REST a lean keep-alive HTTP/1.1 client ({@link KeepAliveHttpClient}), one
 * connection per slot. REST
 * rate limits are lifted for the run. Both modes end on the same guild loop and group commit, so
 * the ratio is the cost of the REST edge (HTTP, JSON, auth, channel lookup, one more gRPC hop).
 *
 * <p>Run: {@code make bench-rest} (or {@code make bench-rest BENCH_ARGS="--in-flight 128 --seconds 10"}).
 */
public final class RestVsGrpcBenchmark {
  private RestVsGrpcBenchmark() {}

  record Round(String mode, double perSecond, double p50Ms, double p99Ms, long errors) {}

  public static void main(String[] args) throws Exception {
    int inFlight = BenchArgs.intArg(args, "--in-flight", 64);
    int seconds = BenchArgs.intArg(args, "--seconds", 5);
    int rounds = BenchArgs.intArg(args, "--rounds", 3);
    int warmup = BenchArgs.intArg(args, "--warmup", 6);
    String secret = "bench-secret-0123456789abcdef0123456789";
    LocalSuite.Options options =
        LocalSuite.Options.defaults(secret)
            .withExtra(List.of("--concord.gateway.rest-route-limit=100000000", "--concord.gateway.rest-global-limit=100000000"))
            .withExtra(extraArgs(args));
    try (LocalSuite suite = LocalSuite.start(LocalSuite.Ports.free(), options);
        Channels channels = new Channels()) {
      DemoSeed.Demo demo =
          DemoSeed.seed(channels.forAddress(suite.guildAddress()), new TokenVerifier(secret), Duration.ofHours(1), Duration.ofSeconds(30));
      var grpc = GuildApiGrpc.newStub(channels.forAddress(suite.guildAddress()));
      URI gateway = URI.create(suite.gatewayUrl().replace("ws://", "http://"));
      String path = "/api/v10/channels/" + Long.toUnsignedString(demo.channelId()) + "/messages";
      KeepAliveHttpClient http = new KeepAliveHttpClient(gateway, "Bot " + demo.users().get(0).token(), inFlight);
      Call viaGrpc =
          (slot, i, done) ->
              grpc.withDeadlineAfter(10, TimeUnit.SECONDS)
                  .createMessage(
                      CreateMessageRequest.newBuilder()
                          .setGuildId(demo.guildId())
                          .setChannelId(demo.channelId())
                          .setAuthorId(demo.users().get(0).id())
                          .setContent("bench message " + i)
                          .build(),
                      new StreamObserver<>() {
                        @Override
                        public void onNext(Message value) {}

                        @Override
                        public void onError(Throwable t) {
                          done.accept(500);
                        }

                        @Override
                        public void onCompleted() {
                          done.accept(200);
                        }
                      });
      Call viaRest = (slot, i, done) -> http.post(slot, path, ("{\"content\":\"bench message " + i + "\"}").getBytes(StandardCharsets.UTF_8), done);
      String only = BenchArgs.stringArg(args, "--only", "");
      if (!only.isEmpty()) {
        // one mode alone, e.g. under a profiler: --only rest|grpc
        run(only, only.equals("rest") ? viaRest : viaGrpc, inFlight, seconds); // warm-up
        Round x = run(only, only.equals("rest") ? viaRest : viaGrpc, inFlight, seconds * rounds);
        System.out.printf(Locale.ROOT, "%s alone: %.0f creates/s, p50 %.2f ms, p99 %.2f ms, %d errors%n", only, x.perSecond(), x.p50Ms(), x.p99Ms(), x.errors());
        System.exit(0);
      }
      System.out.printf("warming up (%d s each, twice)...%n", warmup / 2);
      for (int w = 0; w < 2; w++) {
        run("gRPC", viaGrpc, inFlight, Math.max(1, warmup / 2));
        run("REST", viaRest, inFlight, Math.max(1, warmup / 2));
      }
      List<Round> grpcRounds = new ArrayList<>();
      List<Round> restRounds = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        grpcRounds.add(run("gRPC", viaGrpc, inFlight, seconds));
        restRounds.add(run("REST", viaRest, inFlight, seconds));
        ratios.add(restRounds.getLast().perSecond() / grpcRounds.getLast().perSecond());
        System.out.printf(
            Locale.ROOT,
            "round %d: gRPC %.0f/s, REST %.0f/s (%.0f %%)%n",
            r + 1,
            grpcRounds.getLast().perSecond(),
            restRounds.getLast().perSecond(),
            100 * ratios.getLast());
      }
      http.close();
      ratios.sort(null);
      Round g = median(grpcRounds);
      Round rest = median(restRounds);
      System.out.printf(
          "%nMessage creates, %d in flight, %d s per round, median of %d rounds (5 services in one JVM, H2 store, loopback)%n",
          inFlight, seconds, rounds);
      System.out.printf("  %-5s %12s %10s %10s %8s%n", "path", "creates/s", "p50 ms", "p99 ms", "errors");
      for (Round x : List.of(g, rest)) {
        System.out.printf(Locale.ROOT, "  %-5s %12.0f %10.2f %10.2f %8d%n", x.mode(), x.perSecond(), x.p50Ms(), x.p99Ms(), x.errors());
      }
      System.out.printf(
          Locale.ROOT,
          "  REST / gRPC throughput: %.0f %% (median of the rounds' ratios; lowest %.0f %%, highest %.0f %%)%n",
          100 * ratios.get(ratios.size() / 2),
          100 * ratios.getFirst(),
          100 * ratios.getLast());
    }
    System.exit(0);
  }

  /** Starts one create on {@code slot} (which has none in flight); {@code done} gets the HTTP-like status, -1 if the slot's connection is gone. */
  @FunctionalInterface
  interface Call {
    void call(int slot, long i, IntConsumer done);
  }

  /** One closed loop: the next create starts when the last one is answered, until the deadline. */
  private static final class Slot {
    final long[] latencies = new long[1 << 17];
    int count;
  }

  private static Round run(String mode, Call call, int inFlight, int seconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong next = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(inFlight);
    List<Slot> slots = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int s = 0; s < inFlight; s++) {
      Slot slot = new Slot();
      slots.add(slot);
      issue(call, s, slot, next, errors, end, finished);
    }
    if (!finished.await(seconds + 30L, TimeUnit.SECONDS)) {
      throw new IllegalStateException(mode + ": creates still unanswered 30 s after the round");
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    int total = 0;
    for (Slot s : slots) {
      total += s.count;
    }
    long[] all = new long[total];
    int k = 0;
    for (Slot s : slots) {
      System.arraycopy(s.latencies, 0, all, k, s.count);
      k += s.count;
    }
    Arrays.sort(all);
    return new Round(mode, total / elapsed, BenchArgs.percentile(all, 50) / 1e6, BenchArgs.percentile(all, 99) / 1e6, errors.get());
  }

  private static void issue(Call call, int index, Slot slot, AtomicLong next, AtomicLong errors, long end, CountDownLatch finished) {
    long start = System.nanoTime();
    call.call(
        index,
        next.incrementAndGet(),
        status -> {
          long now = System.nanoTime();
          if (status == 200) {
            slot.latencies[slot.count++] = now - start;
          } else {
            errors.incrementAndGet();
          }
          if (status != -1 && now < end && slot.count < slot.latencies.length) {
            issue(call, index, slot, next, errors, end, finished);
          } else {
            finished.countDown();
          }
        });
  }

  private static Round median(List<Round> rounds) {
    List<Round> sorted = new ArrayList<>(rounds);
    sorted.sort((a, b) -> Double.compare(a.perSecond(), b.perSecond()));
    return sorted.get(sorted.size() / 2);
  }


  /** {@code --service-arg --key=value} (repeatable): extra settings for every service of the run. */
  private static List<String> extraArgs(String[] args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--service-arg")) {
        out.add(args[i + 1]);
      }
    }
    return out;
  }
}
