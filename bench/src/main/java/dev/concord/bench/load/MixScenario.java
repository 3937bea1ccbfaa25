package dev.concord.bench.load;

import dev.concord.bench.KeepAliveHttpClient;
import dev.concord.cluster.Channels;
import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.Guild;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.User;
import dev.concord.protocol.TokenVerifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Scenario (c), a Discord-like mix: {@code users} clients in {@code guilds} guilds whose sizes
 * follow a long tail (a user joins 1 to 5 guilds, 45/25/15/10/5 %, each picked with weight 1/rank,
 * so the first guild holds a large share of everyone and most guilds are small), messages published
 * at a fixed total rate to guilds picked with weight √size (big guilds talk more, but less per
 * member). Expected deliveries are each published guild's size; it measures deliveries/s, latency
 * and lost frames, and server CPU per 1 000 deliveries. The same memberships (fixed seed) for
 * both targets; the baseline learns them from the tokens ({@code t<i>:g1.g2}).
 */
final class MixScenario {
  private MixScenario() {}

  /** Who is in which guild (guild indexes 0..guilds-1), and the publish weights' CDF. */
  record Membership(int[][] guildsOfUser, int[] size, double[] publishCdf) {
    int guilds() {
      return size.length;
    }

    int[] guildsPerClient() {
      return Arrays.stream(guildsOfUser).mapToInt(g -> g.length).toArray();
    }
  }

  static Membership generate(int users, int guilds, long seed) {
    Random r = new Random(seed);
    double[] joinCdf = cdf(guilds, k -> 1.0 / (k + 1));
    int[][] of = new int[users][];
    int[] size = new int[guilds];
    for (int u = 0; u < users; u++) {
      double x = r.nextDouble();
      int m = Math.min(guilds, x < 0.45 ? 1 : x < 0.70 ? 2 : x < 0.85 ? 3 : x < 0.95 ? 4 : 5);
      int[] mine = new int[m];
      int n = 0;
      for (int tries = 0; n < m && tries < 100; tries++) {
        int g = pick(joinCdf, r.nextDouble());
        boolean dup = false;
        for (int i = 0; i < n; i++) {
          dup |= mine[i] == g;
        }
        if (!dup) {
          mine[n++] = g;
          size[g]++;
        }
      }
      of[u] = Arrays.copyOf(mine, n);
    }
    return new Membership(of, size, cdf(guilds, g -> Math.sqrt(size[g])));
  }

  private static double[] cdf(int n, java.util.function.IntToDoubleFunction weight) {
    double[] c = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += weight.applyAsDouble(i);
      c[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      c[i] /= sum;
    }
    return c;
  }

  static int pick(double[] cdf, double x) {
    int i = Arrays.binarySearch(cdf, x);
    return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
  }

  /** A target of the mix: where clients connect, their tokens, and how a message reaches guild {@code g}. */
  abstract static class MixTarget implements AutoCloseable {
    private final String gatewayUrl;
    private final List<String> tokens;

    MixTarget(String gatewayUrl, List<String> tokens) {
      this.gatewayUrl = gatewayUrl;
      this.tokens = tokens;
    }

    String gatewayUrl() {
      return gatewayUrl;
    }

    List<String> tokens() {
      return tokens;
    }

    abstract void publish(int g, Consumer<Boolean> done);

    @Override
    public abstract void close();
  }

  static MixTarget baseline(String gatewayUrl, String http, Membership m) throws InterruptedException {
    List<String> tokens = new ArrayList<>();
    for (int u = 0; u < m.guildsOfUser().length; u++) {
      StringBuilder t = new StringBuilder("t").append(u).append(':');
      for (int i = 0; i < m.guildsOfUser()[u].length; i++) {
        t.append(i == 0 ? "" : ".").append(m.guildsOfUser()[u][i] + 1);
      }
      tokens.add(t.toString());
    }
    int connections = 128;
    KeepAliveHttpClient client = new KeepAliveHttpClient(URI.create(http), "none", connections);
    Target.Publisher publisher =
        Target.httpPublisher(
            client,
            connections,
            g -> "/publish?guild=" + (g + 1),
            g -> "none",
            g -> ("{\"id\":\"1\",\"channel_id\":\"2\",\"guild_id\":\"" + (g + 1) + "\",\"author\":{\"id\":\"3\",\"username\":\"owner\"},"
                    + "\"content\":\"L" + System.nanoTime() + "\",\"type\":0,\"mentions\":[],\"attachments\":[],\"embeds\":[]}")
                .getBytes(StandardCharsets.UTF_8));
    return new MixTarget(gatewayUrl, tokens) {
      @Override
      void publish(int g, Consumer<Boolean> done) {
        publisher.publish(g, done);
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }

  static MixTarget concord(String gatewayUrl, String grpcAddress, String secret, Membership m) throws Exception {
    Channels channels = new Channels();
    var blocking = GuildApiGrpc.newBlockingStub(channels.forAddress(grpcAddress));
    var api = GuildApiGrpc.newStub(channels.forAddress(grpcAddress));
    User owner = Target.awaitRing(() -> blocking.withDeadlineAfter(5, TimeUnit.SECONDS).createUser(CreateUserRequest.newBuilder().setUsername("owner").build()));
    long[] guildIds = new long[m.guilds()];
    long[] channelIds = new long[m.guilds()];
    for (int g = 0; g < m.guilds(); g++) {
      Guild guild = blocking.withDeadlineAfter(30, TimeUnit.SECONDS).createGuild(CreateGuildRequest.newBuilder().setName("Mix " + g).setOwnerId(owner.getId()).build());
      Channel c = blocking.withDeadlineAfter(30, TimeUnit.SECONDS).createChannel(CreateChannelRequest.newBuilder().setGuildId(guild.getId()).setName("general").build());
      guildIds[g] = guild.getId();
      channelIds[g] = c.getId();
    }
    int users = m.guildsOfUser().length;
    long[] ids = new long[users];
    List<int[]> pairs = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      for (int g : m.guildsOfUser()[u]) {
        pairs.add(new int[] {u, g});
      }
    }
    LoadGenerator.Progress p = new LoadGenerator.Progress("seeding the mix", (long) users + pairs.size());
    Target.parallel(users, 256, (i, done) ->
        api.withDeadlineAfter(60, TimeUnit.SECONDS)
            .createUser(CreateUserRequest.newBuilder().setUsername("mix" + i).build(), Target.observer(u -> ids[i] = u.getId(), done)), p, 0);
    Target.parallel(pairs.size(), 256, (i, done) ->
        api.withDeadlineAfter(60, TimeUnit.SECONDS)
            .addMember(
                AddMemberRequest.newBuilder().setGuildId(guildIds[pairs.get(i)[1]]).setUserId(ids[pairs.get(i)[0]]).build(),
                Target.observer(x -> {}, done)), p, users);
    p.done();
    TokenVerifier signer = new TokenVerifier(secret);
    List<String> tokens = new ArrayList<>(users);
    for (long id : ids) {
      tokens.add(signer.sign(id, 6 * 3600));
    }
    return new MixTarget(gatewayUrl, tokens) {
      @Override
      void publish(int g, Consumer<Boolean> done) {
        api.withDeadlineAfter(30, TimeUnit.SECONDS)
            .createMessage(
                CreateMessageRequest.newBuilder()
                    .setGuildId(guildIds[g])
                    .setChannelId(channelIds[g])
                    .setAuthorId(owner.getId())
                    .setContent("L" + System.nanoTime())
                    .build(),
                Target.observer(x -> {}, done));
      }

      @Override
      public void close() {
        channels.close();
      }
    };
  }

  /** Connects everyone, publishes {@code rate}/s for {@code seconds}, waits for the frames. */
  static LoadReport.MixRun run(String target, MixTarget t, Membership m, ServerStats server, int rate, int seconds, int maxPending)
      throws Exception {
    try (t;
        LoadClients clients = new LoadClients(2)) {
      LoadReport.MixRun r = new LoadReport.MixRun(target, m.guildsOfUser().length, m.guilds(), Arrays.stream(m.size()).max().orElse(0));
      LoadGenerator.Progress p = new LoadGenerator.Progress(target + " mix connect", t.tokens().size());
      r.identified = clients.connect(URI.create(t.gatewayUrl()), t.tokens(), m.guildsPerClient(), LoadGenerator.INTENTS, maxPending, 600, p::update);
      p.done();
      clients.reset();
      clients.interval();
      Duration cpu0 = server.cpu();
      Random pick = new Random(7);
      long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
      Semaphore outstanding = new Semaphore(4 * rate);
      AtomicInteger refused = new AtomicInteger();
      long expected = 0;
      long start = System.nanoTime();
      for (int i = 0; i < rate * seconds; i++) {
        long due = start + i * periodNanos;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        int g = pick(m.publishCdf(), pick.nextDouble());
        if (outstanding.tryAcquire()) {
          expected += m.size()[g];
          t.publish(g, ok -> outstanding.release());
        } else {
          refused.incrementAndGet();
        }
      }
      LoadGenerator.awaitDeliveries(clients, expected, 120);
      r.delivery.seconds = (clients.lastDeliveryNanos.get() - start) / 1e9;
      r.delivery.expected = expected;
      r.delivery.delivered = clients.deliveries.get();
      r.refused = refused.get();
      r.delivery.cpuMs = server.cpu().minus(cpu0).toNanos() / 1e6;
      r.delivery.latency = clients.interval();
      clients.close();
      System.out.println(r.line());
      return r;
    }
  }
}
