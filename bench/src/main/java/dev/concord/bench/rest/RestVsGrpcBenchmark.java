package dev.concord.bench.rest;

import dev.concord.bench.BenchArgs;
import dev.concord.cluster.Channels;
import dev.concord.devsuite.DemoSeed;
import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.protocol.TokenVerifier;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Message creates per second and their latency through the REST API ({@code POST
 * /api/v10/channels/{id}/messages}, what bots and chat clients use) against the same through gRPC
 * {@code GuildApi/CreateMessage} (what backends use), measured side by side in one run.
 *
 * <p>Workload: the five services in one JVM (the dev suite, real gRPC and HTTP over loopback, H2
 * as the store as in {@code make run}), the demo guild and channel, no connected clients (this
 * measures the write path, not fanout). Each mode keeps {@code --in-flight} creates outstanding
 * (one virtual thread each, blocking calls) for {@code --seconds}; the modes alternate for {@code
 * --rounds} rounds after a warm-up of each, and the report gives each mode's median round. REST
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
    String secret = "bench-secret-0123456789abcdef0123456789";
    LocalSuite.Options options =
        LocalSuite.Options.defaults(secret)
            .withExtra(List.of("--concord.gateway.rest-route-limit=100000000", "--concord.gateway.rest-global-limit=100000000"))
            .withExtra(extraArgs(args));
    try (LocalSuite suite = LocalSuite.start(LocalSuite.Ports.free(), options);
        Channels channels = new Channels()) {
      DemoSeed.Demo demo =
          DemoSeed.seed(channels.forAddress(suite.guildAddress()), new TokenVerifier(secret), Duration.ofHours(1), Duration.ofSeconds(30));
      var grpc = GuildApiGrpc.newBlockingStub(channels.forAddress(suite.guildAddress()));
      String url = suite.gatewayUrl().replace("ws://", "http://") + "/api/v10/channels/" + Long.toUnsignedString(demo.channelId()) + "/messages";
      String auth = "Bot " + demo.users().get(0).token();
      HttpClient http =
          HttpClient.create(ConnectionProvider.builder("bench").maxConnections(inFlight).pendingAcquireMaxCount(-1).build())
              .headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, auth).set(HttpHeaderNames.CONTENT_TYPE, "application/json"));
      Call viaGrpc =
          i ->
              grpc.withDeadlineAfter(10, TimeUnit.SECONDS)
                  .createMessage(
                      CreateMessageRequest.newBuilder()
                          .setGuildId(demo.guildId())
                          .setChannelId(demo.channelId())
                          .setAuthorId(demo.users().get(0).id())
                          .setContent("bench message " + i)
                          .build());
      Call viaRest =
          i -> {
            Integer status =
                http.post()
                    .uri(url)
                    .send(reactor.netty.ByteBufFlux.fromString(reactor.core.publisher.Mono.just("{\"content\":\"bench message " + i + "\"}"), StandardCharsets.UTF_8, io.netty.buffer.ByteBufAllocator.DEFAULT))
                    .responseSingle((resp, body) -> body.then(reactor.core.publisher.Mono.just(resp.status().code())))
                    .block(Duration.ofSeconds(10));
            if (status == null || status != 200) {
              throw new IllegalStateException("REST answered " + status);
            }
          };
      String only = BenchArgs.stringArg(args, "--only", "");
      if (!only.isEmpty()) {
        // one mode alone, e.g. under a profiler: --only rest|grpc
        run(only, only.equals("rest") ? viaRest : viaGrpc, inFlight, seconds); // warm-up
        Round x = run(only, only.equals("rest") ? viaRest : viaGrpc, inFlight, seconds * rounds);
        System.out.printf(Locale.ROOT, "%s alone: %.0f creates/s, p50 %.2f ms, p99 %.2f ms, %d errors%n", only, x.perSecond(), x.p50Ms(), x.p99Ms(), x.errors());
        System.exit(0);
      }
      System.out.printf("warming up (%d s each)...%n", Math.max(2, seconds / 2));
      run("gRPC", viaGrpc, inFlight, Math.max(2, seconds / 2));
      run("REST", viaRest, inFlight, Math.max(2, seconds / 2));
      List<Round> grpcRounds = new ArrayList<>();
      List<Round> restRounds = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        grpcRounds.add(run("gRPC", viaGrpc, inFlight, seconds));
        restRounds.add(run("REST", viaRest, inFlight, seconds));
        System.out.printf("round %d: gRPC %.0f/s, REST %.0f/s%n", r + 1, grpcRounds.getLast().perSecond(), restRounds.getLast().perSecond());
      }
      Round g = median(grpcRounds);
      Round rest = median(restRounds);
      System.out.printf(
          "%nMessage creates, %d in flight, %d s per round, median of %d rounds (5 services in one JVM, H2 store, loopback)%n",
          inFlight, seconds, rounds);
      System.out.printf("  %-5s %12s %10s %10s %8s%n", "path", "creates/s", "p50 ms", "p99 ms", "errors");
      for (Round x : List.of(g, rest)) {
        System.out.printf(Locale.ROOT, "  %-5s %12.0f %10.2f %10.2f %8d%n", x.mode(), x.perSecond(), x.p50Ms(), x.p99Ms(), x.errors());
      }
      System.out.printf(Locale.ROOT, "  REST / gRPC throughput: %.0f %%%n", 100.0 * rest.perSecond() / g.perSecond());
    }
    System.exit(0);
  }

  @FunctionalInterface
  interface Call {
    void call(long i) throws Exception;
  }

  private static Round run(String mode, Call call, int inFlight, int seconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong next = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<long[]> perThread = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int t = 0; t < inFlight; t++) {
      long[] lat = new long[1 << 16];
      perThread.add(lat);
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    int n = 0;
                    while (System.nanoTime() < end && n < lat.length - 1) {
                      long s = System.nanoTime();
                      try {
                        call.call(next.incrementAndGet());
                        lat[++n] = System.nanoTime() - s;
                      } catch (Exception e) {
                        errors.incrementAndGet();
                      }
                    }
                    lat[0] = n;
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    int total = 0;
    for (long[] l : perThread) {
      total += (int) l[0];
    }
    long[] all = new long[total];
    int k = 0;
    for (long[] l : perThread) {
      System.arraycopy(l, 1, all, k, (int) l[0]);
      k += (int) l[0];
    }
    Arrays.sort(all);
    return new Round(mode, total / elapsed, BenchArgs.percentile(all, 50) / 1e6, BenchArgs.percentile(all, 99) / 1e6, errors.get());
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
