package dev.concord.bench.load;

import dev.concord.bench.BenchArgs;
import dev.concord.cluster.Channels;
import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.Guild;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.User;
import dev.concord.protocol.Intents;
import dev.concord.protocol.TokenVerifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench-load}, scenario (a): one guild, N identified WebSocket clients, M messages
 * published as fast as possible with {@code --in-flight} outstanding; deliveries per second (from
 * the first publish to the last frame), latency from publish to receipt (sampled), and lost
 * frames; against Concord (the five services in this JVM, messages through gRPC CreateMessage)
 * and against the bare-Netty broadcaster ({@link BareNettyBroadcaster}: the box's limit), in the
 * same run with the same clients, printing Concord / baseline per N.
 *
 * <p>Both servers share the JVM with the clients and the publisher, so the numbers are for 2
 * cores split between them, alike for both; the ratio is what matters.
 *
 * <p>Run: {@code make bench-load} (or {@code make bench-load BENCH_ARGS="--connections 1000,5000
 * --messages 200"}).
 */
public final class LoadGenerator {
  private LoadGenerator() {}

  record Result(String target, int connections, int identified, long expected, long delivered, double seconds, long[] latencies) {
    double perSecond() {
      return delivered / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    String list = BenchArgs.stringArg(args, "--connections", "1000,5000");
    int messages = BenchArgs.intArg(args, "--messages", 200);
    int inFlight = BenchArgs.intArg(args, "--in-flight", 64);
    int clientThreads = BenchArgs.intArg(args, "--client-threads", 2);
    List<Result> results = new ArrayList<>();
    for (String n : list.split(",")) {
      int connections = Integer.parseInt(n.trim());
      results.add(baseline(connections, messages, inFlight, clientThreads));
      results.add(concord(connections, messages, inFlight, clientThreads));
    }
    System.out.printf(
        "%nScenario (a): one guild, N clients, %d messages, %d in flight; servers, clients and publisher in one JVM%n", messages, inFlight);
    System.out.printf("  %-9s %6s %10s %14s %9s %9s %9s %8s%n", "target", "N", "identified", "deliveries/s", "p50 ms", "p99 ms", "max ms", "lost");
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "  %-9s %6d %10d %14.0f %9.1f %9.1f %9.1f %8d%n",
          r.target(),
          r.connections(),
          r.identified(),
          r.perSecond(),
          BenchArgs.percentile(r.latencies(), 50) / 1e6,
          BenchArgs.percentile(r.latencies(), 99) / 1e6,
          r.latencies().length == 0 ? 0 : r.latencies()[r.latencies().length - 1] / 1e6,
          r.expected() - r.delivered());
    }
    for (int i = 0; i + 1 < results.size(); i += 2) {
      System.out.printf(
          Locale.ROOT,
          "  N = %d: Concord / baseline = %.0f %% of deliveries/s%n",
          results.get(i).connections(),
          100 * results.get(i + 1).perSecond() / results.get(i).perSecond());
    }
    System.exit(0);
  }

  private static Result baseline(int connections, int messages, int inFlight, int clientThreads) throws Exception {
    try (BareNettyBroadcaster server = new BareNettyBroadcaster("127.0.0.1", 0);
        LoadClients clients = new LoadClients(clientThreads)) {
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        tokens.add("t" + i);
      }
      int identified = clients.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"), tokens, 0, 120);
      Semaphore window = new Semaphore(inFlight);
      return measure("baseline", connections, identified, messages, clients, i -> {
        window.acquire();
        CountDownLatch done = server.broadcast(payload(i).getBytes(StandardCharsets.UTF_8));
        Thread.startVirtualThread(
            () -> {
              try {
                done.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                window.release();
              }
            });
      });
    }
  }

  private static Result concord(int connections, int messages, int inFlight, int clientThreads) throws Exception {
    String secret = "bench-secret-0123456789abcdef0123456789";
    try (LocalSuite suite = LocalSuite.start(LocalSuite.Ports.free(), LocalSuite.Options.defaults(secret));
        Channels channels = new Channels();
        LoadClients clients = new LoadClients(clientThreads)) {
      var api = GuildApiGrpc.newFutureStub(channels.forAddress(suite.guildAddress()));
      var blocking = GuildApiGrpc.newBlockingStub(channels.forAddress(suite.guildAddress()));
      TokenVerifier tokens = new TokenVerifier(secret);
      User owner = awaitRing(() -> blocking.withDeadlineAfter(5, TimeUnit.SECONDS).createUser(CreateUserRequest.newBuilder().setUsername("owner").build()));
      Guild guild = blocking.createGuild(CreateGuildRequest.newBuilder().setName("Load").setOwnerId(owner.getId()).build());
      Channel channel = blocking.createChannel(CreateChannelRequest.newBuilder().setGuildId(guild.getId()).setName("general").build());
      List<String> tokenList = new ArrayList<>();
      Semaphore seeding = new Semaphore(256);
      List<com.google.common.util.concurrent.ListenableFuture<?>> pending = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        User u = blocking.withDeadlineAfter(5, TimeUnit.SECONDS).createUser(CreateUserRequest.newBuilder().setUsername("load" + i).build());
        seeding.acquire();
        var f = api.withDeadlineAfter(30, TimeUnit.SECONDS).addMember(AddMemberRequest.newBuilder().setGuildId(guild.getId()).setUserId(u.getId()).build());
        f.addListener(seeding::release, Runnable::run);
        pending.add(f);
        tokenList.add(tokens.sign(u.getId(), 3600));
      }
      for (var f : pending) {
        f.get(60, TimeUnit.SECONDS);
      }
      int identified =
          clients.connect(URI.create(suite.gatewayUrl() + "/?v=10&encoding=json"), tokenList, Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT, 180);
      Semaphore window = new Semaphore(inFlight);
      return measure("concord", connections, identified, messages, clients, i -> {
        window.acquire();
        var f =
            api.withDeadlineAfter(30, TimeUnit.SECONDS)
                .createMessage(
                    CreateMessageRequest.newBuilder()
                        .setGuildId(guild.getId())
                        .setChannelId(channel.getId())
                        .setAuthorId(owner.getId())
                        .setContent("L" + System.nanoTime())
                        .build());
        f.addListener(window::release, Runnable::run);
      });
    }
  }

  @FunctionalInterface
  interface Publish {
    void publish(int i) throws Exception;
  }

  private static Result measure(String target, int connections, int identified, int messages, LoadClients clients, Publish publish)
      throws Exception {
    clients.reset();
    long expected = (long) identified * messages;
    long t0 = System.nanoTime();
    for (int i = 0; i < messages; i++) {
      publish.publish(i);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    long last = -1;
    long stableSince = System.nanoTime();
    while (clients.deliveries.get() < expected && System.nanoTime() < deadline) {
      long d = clients.deliveries.get();
      if (d != last) {
        last = d;
        stableSince = System.nanoTime();
      } else if (System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(10)) {
        break; // nothing arrived for 10 s: the rest is lost
      }
      Thread.sleep(5);
    }
    double seconds = (clients.lastDeliveryNanos.get() - t0) / 1e9;
    Result r = new Result(target, connections, identified, expected, clients.deliveries.get(), seconds, clients.latencies());
    System.out.printf(Locale.ROOT, "%s N=%d: %d identified, %d/%d frames in %.2f s%n", target, connections, identified, r.delivered(), expected, seconds);
    return r;
  }

  private static String payload(int i) {
    return "{\"id\":\"" + (1_000_000 + i) + "\",\"channel_id\":\"2\",\"guild_id\":\"1\",\"author\":{\"id\":\"3\",\"username\":\"owner\"},"
        + "\"content\":\"L" + System.nanoTime() + "\",\"type\":0,\"mentions\":[],\"attachments\":[],\"embeds\":[]}";
  }

  private static <T> T awaitRing(java.util.function.Supplier<T> call) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return call.get();
      } catch (io.grpc.StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
