package dev.concord.session.guilds;

import dev.concord.proto.guild.v1.GuildRegistryGrpc;
import dev.concord.proto.guild.v1.JoinRequest;
import dev.concord.proto.guild.v1.JoinResponse;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Joins on guild pods behind a counting semaphore per pod (a Resilience4j {@link Bulkhead} with
 * zero wait): when {@code maxConcurrentPerPod} joins to a pod are outstanding, the next one fails
 * fast and is retried later with exponential backoff and full jitter, so a reconnect storm cannot
 * pile unbounded calls onto a guild pod. Deliberately not a circuit breaker: a burst of timeouts
 * must not stop all attempts.
 *
 * <p>Every call has a deadline; RESOURCE_EXHAUSTED (the guild pod's own admission bound, honoring
 * its retry-after hint), UNAVAILABLE and DEADLINE_EXCEEDED are retried, up to {@code maxAttempts}
 * attempts; anything else fails the join at once.
 *
 * <p>Concurrency: thread-safe; bulkheads live in a concurrent map, one per guild pod.
 */
public final class JoinClient {
  /**
   * @param bulkheadEnabled false turns the bulkhead off (storm benchmarks compare both)
   * @param maxConcurrentPerPod outstanding joins per guild pod
   * @param callTimeout deadline of one join call
   * @param maxAttempts attempts per join (bulkhead rejections included)
   * @param backoffBase first retry delay bound
   * @param backoffCap largest retry delay bound
   */
  public record Settings(
      boolean bulkheadEnabled,
      int maxConcurrentPerPod,
      Duration callTimeout,
      int maxAttempts,
      Duration backoffBase,
      Duration backoffCap) {}

  private static final Pattern RETRY_AFTER = Pattern.compile("retry-after-ms=(\\d+)");

  private final Settings settings;
  private final ScheduledExecutorService scheduler;
  private final ConcurrentHashMap<String, Bulkhead> bulkheads = new ConcurrentHashMap<>();
  private final Consumer<Bulkhead> onNewBulkhead;
  private final LongAdder calls = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder bulkheadRejections = new LongAdder();
  private final LongAdder guildRejections = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder failures = new LongAdder();

  public JoinClient(Settings settings, ScheduledExecutorService scheduler, Consumer<Bulkhead> onNewBulkhead) {
    this.settings = settings;
    this.scheduler = scheduler;
    this.onNewBulkhead = onNewBulkhead;
  }

  /** Joins on {@code podId} (reached through {@code channel}), retrying as described above. */
  public CompletableFuture<JoinResponse> join(String podId, ManagedChannel channel, JoinRequest request) {
    CompletableFuture<JoinResponse> result = new CompletableFuture<>();
    attempt(podId, channel, request, 0, result);
    return result;
  }

  private void attempt(String podId, ManagedChannel channel, JoinRequest req, int n, CompletableFuture<JoinResponse> result) {
    Bulkhead bulkhead = settings.bulkheadEnabled() ? bulkhead(podId) : null;
    if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
      bulkheadRejections.increment();
      retryLater(podId, channel, req, n, result, Status.RESOURCE_EXHAUSTED.withDescription("join bulkhead of " + podId + " full"), 0);
      return;
    }
    calls.increment();
    Context.ROOT.run(
        () ->
            GuildRegistryGrpc.newStub(channel)
                .withDeadlineAfter(settings.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .join(
                    req,
                    new StreamObserver<>() {
                      @Override
                      public void onNext(JoinResponse value) {
                        release();
                        result.complete(value);
                      }

                      @Override
                      public void onError(Throwable t) {
                        release();
                        Status s = Status.fromThrowable(t);
                        switch (s.getCode()) {
                          case DEADLINE_EXCEEDED -> {
                            timeouts.increment();
                            retryLater(podId, channel, req, n, result, s, 0);
                          }
                          case RESOURCE_EXHAUSTED -> {
                            guildRejections.increment();
                            retryLater(podId, channel, req, n, result, s, retryAfterMs(s));
                          }
                          case UNAVAILABLE -> retryLater(podId, channel, req, n, result, s, 0);
                          default -> {
                            failures.increment();
                            result.completeExceptionally(t);
                          }
                        }
                      }

                      @Override
                      public void onCompleted() {}

                      private void release() {
                        if (bulkhead != null) {
                          bulkhead.onComplete();
                        }
                      }
                    }));
  }

  private void retryLater(
      String podId, ManagedChannel channel, JoinRequest req, int n, CompletableFuture<JoinResponse> result, Status last, long hintMs) {
    if (n + 1 >= settings.maxAttempts()) {
      failures.increment();
      result.completeExceptionally(
          last.withDescription(last.getDescription() + " (gave up after " + settings.maxAttempts() + " attempts)").asRuntimeException());
      return;
    }
    retries.increment();
    // Full jitter: uniform in [0, min(cap, base * 2^n)], at least half the callee's hint.
    long bound = Math.min(settings.backoffCap().toMillis(), settings.backoffBase().toMillis() << Math.min(n, 20));
    long delay = ThreadLocalRandom.current().nextLong(bound + 1);
    if (hintMs > 0) {
      delay = Math.max(delay, hintMs / 2 + ThreadLocalRandom.current().nextLong(hintMs + 1));
    }
    scheduler.schedule(() -> attempt(podId, channel, req, n + 1, result), delay, TimeUnit.MILLISECONDS);
  }

  private static long retryAfterMs(Status s) {
    if (s.getDescription() == null) {
      return 0;
    }
    Matcher m = RETRY_AFTER.matcher(s.getDescription());
    return m.find() ? Math.min(60_000, Long.parseLong(m.group(1))) : 0;
  }

  private Bulkhead bulkhead(String podId) {
    return bulkheads.computeIfAbsent(
        podId,
        id -> {
          Bulkhead b =
              Bulkhead.of(
                  "guild-join-" + id,
                  BulkheadConfig.custom()
                      .maxConcurrentCalls(settings.maxConcurrentPerPod())
                      .maxWaitDuration(Duration.ZERO)
                      .build());
          onNewBulkhead.accept(b);
          return b;
        });
  }

  public long calls() {
    return calls.sum();
  }

  public long retries() {
    return retries.sum();
  }

  public long bulkheadRejections() {
    return bulkheadRejections.sum();
  }

  public long guildRejections() {
    return guildRejections.sum();
  }

  public long timeouts() {
    return timeouts.sum();
  }

  public long failures() {
    return failures.sum();
  }
}
