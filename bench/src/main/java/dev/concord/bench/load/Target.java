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
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * What the load generator drives: a gateway URL, one token per client, and a way to publish a
 * MESSAGE_CREATE to all of them (asynchronously; {@code done} says whether it was accepted). Each
 * published message's content is {@code L<System.nanoTime()>}, the stamp the clients read.
 */
final class Target implements AutoCloseable {
  interface Publisher {
    void publish(int i, Consumer<Boolean> done);
  }

  private final String gatewayUrl;
  private final List<String> tokens;
  private final Publisher publisher;
  private final AutoCloseable resources;

  private Target(String gatewayUrl, List<String> tokens, Publisher publisher, AutoCloseable resources) {
    this.gatewayUrl = gatewayUrl;
    this.tokens = tokens;
    this.publisher = publisher;
    this.resources = resources;
  }

  String gatewayUrl() {
    return gatewayUrl;
  }

  List<String> tokens() {
    return tokens;
  }

  void publish(int i, Consumer<Boolean> done) {
    publisher.publish(i, done);
  }

  @Override
  public void close() throws Exception {
    resources.close();
  }

  /** The bare-Netty broadcaster: any token identifies; publishes are {@code POST /publish} of the {@code d} object. */
  static Target baseline(String gatewayUrl, String http, int n, int inFlight) throws InterruptedException {
    List<String> tokens = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      tokens.add("t" + i);
    }
    int connections = Math.max(inFlight, 128);
    KeepAliveHttpClient client = new KeepAliveHttpClient(URI.create(http), "none", connections);
    Publisher p = httpPublisher(client, connections, i -> "/publish", i -> "none", i -> payload(i).getBytes(StandardCharsets.UTF_8));
    return new Target(gatewayUrl, tokens, p, client);
  }

  /**
   * Publishes over {@code connections} keep-alive HTTP connections of {@code client}, one request
   * in flight on each. {@code done} gets whether the answer was a 2xx; a publish that finds no
   * connection free is not sent and gets false (the burst's window is smaller than the pool; the
   * fixed-rate scenario counts these as refused).
   */
  static Publisher httpPublisher(
      KeepAliveHttpClient client,
      int connections,
      java.util.function.IntFunction<String> path,
      java.util.function.IntFunction<String> auth,
      java.util.function.IntFunction<byte[]> body) {
    ConcurrentLinkedQueue<Integer> free = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < connections; i++) {
      free.add(i);
    }
    return (i, done) -> {
      Integer slot = free.poll();
      if (slot == null) {
        done.accept(false);
        return;
      }
      client.post(
          slot,
          path.apply(i),
          auth.apply(i),
          body.apply(i),
          status -> {
            free.add(slot);
            done.accept(status / 100 == 2);
          });
    };
  }

  private static String payload(int i) {
    return "{\"id\":\"" + (1_000_000 + i) + "\",\"channel_id\":\"2\",\"guild_id\":\"1\",\"author\":{\"id\":\"3\",\"username\":\"owner\"},"
        + "\"content\":\"L" + System.nanoTime() + "\",\"type\":0,\"mentions\":[],\"attachments\":[],\"embeds\":[]}";
  }

  /**
   * Concord (local or deployed): one guild with a channel, {@code n} member users created through
   * the guild API at {@code grpcAddress} (256 calls in flight), their tokens signed with {@code
   * secret}. Publishes: with {@code restBase} empty, {@code GuildApi/CreateMessage} by the guild's
   * owner; else {@code POST /api/v10/channels/{id}/messages} at {@code restBase}, message {@code i}
   * sent by member {@code i mod n} with its own token (as people in a busy channel send them: each
   * a few, so no member meets Discord's per-channel rate limit in a burst of a few hundred).
   */
  static Target concord(String gatewayUrl, String grpcAddress, String restBase, String secret, int n, int inFlight) throws Exception {
    Channels channels = new Channels();
    try {
      var blocking = GuildApiGrpc.newBlockingStub(channels.forAddress(grpcAddress));
      var api = GuildApiGrpc.newStub(channels.forAddress(grpcAddress));
      User owner = awaitRing(() -> blocking.withDeadlineAfter(5, TimeUnit.SECONDS).createUser(CreateUserRequest.newBuilder().setUsername("owner").build()));
      Guild guild = blocking.withDeadlineAfter(30, TimeUnit.SECONDS).createGuild(CreateGuildRequest.newBuilder().setName("Load").setOwnerId(owner.getId()).build());
      Channel channel =
          blocking.withDeadlineAfter(30, TimeUnit.SECONDS).createChannel(CreateChannelRequest.newBuilder().setGuildId(guild.getId()).setName("general").build());
      long[] ids = new long[n];
      LoadGenerator.Progress p = new LoadGenerator.Progress("seeding " + n + " members", 2L * n);
      parallel(n, 256, (i, done) ->
          api.withDeadlineAfter(60, TimeUnit.SECONDS)
              .createUser(CreateUserRequest.newBuilder().setUsername("load" + i).build(), observer(u -> ids[i] = u.getId(), done)), p, 0);
      parallel(n, 256, (i, done) ->
          api.withDeadlineAfter(60, TimeUnit.SECONDS)
              .addMember(AddMemberRequest.newBuilder().setGuildId(guild.getId()).setUserId(ids[i]).build(), observer(x -> {}, done)), p, n);
      p.done();
      TokenVerifier signer = new TokenVerifier(secret);
      List<String> tokens = new ArrayList<>(n);
      for (long id : ids) {
        tokens.add(signer.sign(id, 6 * 3600));
      }
      if (!restBase.isEmpty()) {
        int connections = Math.max(inFlight, 128);
        KeepAliveHttpClient client = new KeepAliveHttpClient(URI.create(restBase), "none", connections);
        String path = "/api/v10/channels/" + channel.getId() + "/messages";
        Publisher rest =
            httpPublisher(
                client,
                connections,
                i -> path,
                i -> "Bearer " + tokens.get(i % n),
                i -> ("{\"content\":\"L" + System.nanoTime() + "\"}").getBytes(StandardCharsets.UTF_8));
        return new Target(gatewayUrl, tokens, rest, () -> {
          client.close();
          channels.close();
        });
      }
      Publisher pub =
          (i, done) ->
              api.withDeadlineAfter(30, TimeUnit.SECONDS)
                  .createMessage(
                      CreateMessageRequest.newBuilder()
                          .setGuildId(guild.getId())
                          .setChannelId(channel.getId())
                          .setAuthorId(owner.getId())
                          .setContent("L" + System.nanoTime())
                          .build(),
                      observer(m -> {}, done));
      return new Target(gatewayUrl, tokens, pub, channels);
    } catch (Throwable t) {
      channels.close(); // seeding failed: no channel left open
      throw t;
    }
  }

  interface Call {
    void call(int i, Consumer<Boolean> done);
  }

  /** {@code n} calls, {@code window} at a time; fails on the first refused one. */
  static void parallel(int n, int window, Call call, LoadGenerator.Progress p, int offset) throws InterruptedException {
    Semaphore w = new Semaphore(window);
    CountDownLatch all = new CountDownLatch(n);
    AtomicReference<String> failure = new AtomicReference<>();
    for (int i = 0; i < n && failure.get() == null; i++) {
      w.acquire();
      int k = i;
      call.call(k, ok -> {
        if (!ok) {
          failure.compareAndSet(null, "call " + k + " failed");
        }
        w.release();
        all.countDown();
      });
      p.update(offset + i + 1L);
    }
    if (failure.get() != null || !all.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("seeding failed: " + failure.get());
    }
  }

  static <T> StreamObserver<T> observer(Consumer<T> onValue, Consumer<Boolean> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        onValue.accept(value);
      }

      @Override
      public void onError(Throwable t) {
        done.accept(false);
      }

      @Override
      public void onCompleted() {
        done.accept(true);
      }
    };
  }

  static <T> T awaitRing(java.util.function.Supplier<T> call) throws InterruptedException {
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
