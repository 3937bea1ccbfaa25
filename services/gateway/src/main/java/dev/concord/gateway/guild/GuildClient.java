package dev.concord.gateway.guild;

import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.proto.guild.v1.ChannelLocation;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.LocateChannelRequest;
import dev.concord.ring.RingSnapshot;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.AbstractStub;
import java.util.function.Function;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import reactor.core.publisher.Mono;

/**
 * Calls the guild API on the pod the guild ring names as the owner of a key (a guild pod that is
 * not the owner forwards once by its own ring, so a stale ring here costs a hop, not an error).
 * Every call has a deadline.
 *
 * <p>Channel → guild: REST routes name only a channel; which guild it belongs to is asked once
 * of any guild pod (from the store) and cached. Channels never move between guilds; a deleted
 * channel's stale entry only routes a call that the owner then refuses with 10003.
 *
 * <p>Concurrency: thread-safe; the cache is a concurrent map bounded by {@code maxCachedChannels}
 * (cleared past it, refilled on demand).
 */
public final class GuildClient {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GuildClient.class);
  private final RingWatcher guildRing;
  private final Channels channels;
  private final Duration timeout;
  private final int maxCachedChannels;
  private final ConcurrentHashMap<Long, Long> guildOfChannel = new ConcurrentHashMap<>();

  public GuildClient(RingWatcher guildRing, Channels channels, Duration timeout, int maxCachedChannels) {
    this.guildRing = guildRing;
    this.channels = channels;
    this.timeout = timeout;
    this.maxCachedChannels = maxCachedChannels;
  }

  /** A stub for the owner of {@code key} (a guild id, or any id for calls any pod answers). */
  public GuildApiGrpc.GuildApiStub owner(long key) {
    return GuildApiGrpc.newStub(ownerChannel(key)).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Channel ownerChannel(long key) {
    RingSnapshot ring = guildRing.ring().current();
    if (ring.isEmpty()) {
      throw Status.UNAVAILABLE.withDescription("no guild pod is known yet; retry").asRuntimeException();
    }
    return channels.forAddress(ring.owner(key).address());
  }

  /** One unary call on the owner of {@code key}, as a Mono (errors: {@link StatusRuntimeException}). */
  public <T> Mono<T> call(long key, BiConsumer<GuildApiGrpc.GuildApiStub, StreamObserver<T>> call) {
    return callWith(key, GuildApiGrpc::newStub, call);
  }

  /** The same with another service of the guild pods (accounts): {@code newStub} makes its stub. */
  public <S extends AbstractStub<S>, T> Mono<T> callWith(long key, Function<Channel, S> newStub, BiConsumer<S, StreamObserver<T>> call) {
    return Mono.create(
        sink -> {
          S stub;
          try {
            stub = newStub.apply(ownerChannel(key)).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
          } catch (StatusRuntimeException e) {
            sink.error(e);
            return;
          }
          call.accept(
              stub,
              new StreamObserver<T>() {
                private boolean answered;

                @Override
                public void onNext(T value) {
                  answered = true;
                  sink.success(value);
                }

                @Override
                public void onError(Throwable t) {
                  sink.error(t);
                }

                @Override
                public void onCompleted() {
                  if (!answered) {
                    // gRPC's async stubs pass a unary call that closed OK without its message on
                    // as a bare completion (its blocking and future stubs make it an error): an
                    // empty answer here would silently drop what the caller asked for
                    log.warn("a guild call for key {} closed without an answer", Long.toUnsignedString(key));
                    sink.error(Status.UNAVAILABLE.withDescription("the guild pod closed the call without an answer; retry").asRuntimeException());
                  }
                }
              });
        });
  }

  /** A call that needs the guild a channel belongs to. */
  @FunctionalInterface
  public interface ChannelCall<T> {
    void call(long guildId, GuildApiGrpc.GuildApiStub stub, StreamObserver<T> out);
  }

  /** One unary call on the owner of the guild {@code channelId} belongs to (10003 if none). */
  public <T> Mono<T> callForChannel(long channelId, ChannelCall<T> call) {
    return guildOf(channelId).flatMap(guild -> this.<T>call(guild, (stub, o) -> call.call(guild, stub, o)));
  }

  /** The guild of {@code channelId} (NOT_FOUND with Discord code 10003 if there is none). */
  public Mono<Long> guildOf(long channelId) {
    Long cached = guildOfChannel.get(channelId);
    if (cached != null) {
      return Mono.just(cached);
    }
    return this.<ChannelLocation>call(
            channelId, (stub, o) -> stub.locateChannel(LocateChannelRequest.newBuilder().setChannelId(channelId).build(), o))
        .map(
            loc -> {
              if (guildOfChannel.size() >= maxCachedChannels) {
                guildOfChannel.clear();
              }
              guildOfChannel.put(channelId, loc.getGuildId());
              return loc.getGuildId();
            });
  }

  public int cachedChannels() {
    return guildOfChannel.size();
  }
}
