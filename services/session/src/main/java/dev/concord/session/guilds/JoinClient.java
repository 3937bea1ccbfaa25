package dev.concord.session.guilds;

import dev.concord.cluster.WrongOwnerStatus;
import dev.concord.proto.guild.v1.GuildRegistryGrpc;
import dev.concord.proto.guild.v1.JoinBatchRequest;
import dev.concord.proto.guild.v1.JoinBatchResponse;
import dev.concord.proto.guild.v1.JoinOutcome;
import java.util.ArrayList;
import java.util.List;
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
 * zero wait), so a reconnect storm cannot pile unbounded calls onto a guild pod. Deliberately not a
 * circuit breaker: a burst of timeouts must not stop all attempts.
 *
 * <p>With the bulkhead on, joins for a pod wait in that pod's {@link Lane}: whenever the bulkhead
 * grants a permit (it never waits: a refused permit just ends the dispatch pass), up to {@code
 * batchSize} waiting joins leave in ONE {@code JoinBatch} call; when a call completes its permit
 * comes back and the lane dispatches again. So at most {@code maxConcurrentPerPod} calls (and
 * {@code maxConcurrentPerPod × batchSize} joins) are outstanding per pod, and a waiting join costs
 * one small queue entry: no timer, no exception, no call per retry.
 *
 * <p>Every call has a deadline; RESOURCE_EXHAUSTED (the guild pod's own admission bound, honoring
 * its retry-after hint), UNAVAILABLE, ABORTED and DEADLINE_EXCEEDED are retried with exponential
 * backoff and full jitter, up to {@code maxAttempts} attempts; anything else fails the join at
 * once. With the bulkhead off (benchmarks compare both), every join is its own call, sent at once.
 *
 * <p>Concurrency: thread-safe; one lane per guild pod, its queues guarded by the lane's monitor.
 */
public final class JoinClient {
  /**
   * @param bulkheadEnabled false turns the bulkhead off (storm benchmarks compare both)
   * @param maxConcurrentPerPod outstanding joins per guild pod
   * @param callTimeout deadline of one join call
   * @param maxAttempts attempts per join (bulkhead rejections included)
   * @param backoffBase first retry delay bound
   * @param backoffCap largest retry delay bound
   * @param batchSize joins per call at most (bulkhead on)
   * @param maxQueuedPerPod joins waiting for one pod at most; beyond, a join fails at once
   */
  public record Settings(
      boolean bulkheadEnabled,
      int maxConcurrentPerPod,
      Duration callTimeout,
      int maxAttempts,
      Duration backoffBase,
      Duration backoffCap,
      int batchSize,
      int maxQueuedPerPod) {
    public Settings {
      if (batchSize < 1 || batchSize > 256) {
        throw new IllegalArgumentException("join batch size out of range: " + batchSize + " (expected: 1..256)");
      }
    }

    public Settings(
        boolean bulkheadEnabled, int maxConcurrentPerPod, Duration callTimeout, int maxAttempts, Duration backoffBase, Duration backoffCap) {
      this(bulkheadEnabled, maxConcurrentPerPod, callTimeout, maxAttempts, backoffBase, backoffCap, 64, 1_000_000);
    }
  }

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

  private dev.concord.tracing.Tracing tracing = dev.concord.tracing.Tracing.off();

  /** Spans of sampled joins ({@link JoinTrace}); set before the first join. */
  public JoinClient withTracing(dev.concord.tracing.Tracing tracing) {
    this.tracing = tracing;
    return this;
  }

  public JoinClient(Settings settings, ScheduledExecutorService scheduler, Consumer<Bulkhead> onNewBulkhead) {
    this.settings = settings;
    this.scheduler = scheduler;
    this.onNewBulkhead = onNewBulkhead;
  }

  /** Joins on {@code podId} (reached through {@code channel}), retrying as described above. */
  public CompletableFuture<JoinResponse> join(String podId, ManagedChannel channel, JoinRequest request) {
    CompletableFuture<JoinResponse> result = new CompletableFuture<>();
    if (settings.bulkheadEnabled()) {
      Lane lane = lanes.computeIfAbsent(podId, id -> new Lane(id, channel, bulkhead(id)));
      lane.channel = channel; // the pod may have come back at another address
      lane.submit(new Waiting(request, result, JoinTrace.start(tracing, request, result)));
    } else {
      attempt(podId, channel, request, 0, result);
    }
    return result;
  }

  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  private final LongAdder batchCalls = new LongAdder();

  /** One guild pod's lane: joins waiting, bulkhead permits free (introspection). */
  public record LaneView(String guildPod, int waiting, int permitsFree) {}

  public java.util.List<LaneView> lanes() {
    java.util.List<LaneView> out = new java.util.ArrayList<>();
    for (Lane l : lanes.values()) {
      out.add(new LaneView(l.podId, l.size(), l.bulkhead.getMetrics().getAvailableConcurrentCalls()));
    }
    return out;
  }

  /** Joins that are waiting for a pod, in all lanes. */
  public long waiting() {
    long n = 0;
    for (Lane l : lanes.values()) {
      n += l.size();
    }
    return n;
  }

  /** JoinBatch calls sent (each carries up to batchSize joins). */
  public long batchCalls() {
    return batchCalls.sum();
  }

  /** A join waiting in a lane: its request, its result, its attempts and when it may go. */
  private static final class Waiting {
    final JoinRequest request;
    final CompletableFuture<JoinResponse> result;
    final @org.jspecify.annotations.Nullable JoinTrace trace; // sampled joins only
    int attempts;
    long notBeforeNanos;

    Waiting(JoinRequest request, CompletableFuture<JoinResponse> result, @org.jspecify.annotations.Nullable JoinTrace trace) {
      this.request = request;
      this.result = result;
      this.trace = trace;
    }
  }

  /**
   * The joins waiting for one guild pod: those ready to go (FIFO) and those backing off (by due
   * time). Dispatch passes take a permit per call and stop at the first refusal; a completing call
   * starts the next pass, and one timer per lane wakes it when the earliest backoff is due.
   */
  private final class Lane {
    final String podId;
    volatile ManagedChannel channel;
    final Bulkhead bulkhead;
    final java.util.ArrayDeque<Waiting> ready = new java.util.ArrayDeque<>();
    final java.util.PriorityQueue<Waiting> backingOff =
        new java.util.PriorityQueue<>(java.util.Comparator.comparingLong((Waiting w) -> w.notBeforeNanos));
    /** When the lane's timer fires next (0: none pending). */
    long wakeupAtNanos;

    Lane(String podId, ManagedChannel channel, Bulkhead bulkhead) {
      this.podId = podId;
      this.channel = channel;
      this.bulkhead = bulkhead;
    }

    synchronized int size() {
      return ready.size() + backingOff.size();
    }

    void submit(Waiting w) {
      synchronized (this) {
        if (size() >= settings.maxQueuedPerPod()) {
          failures.increment();
          w.result.completeExceptionally(
              Status.RESOURCE_EXHAUSTED
                  .withDescription(settings.maxQueuedPerPod() + " joins already waiting for " + podId)
                  .asRuntimeException());
          return;
        }
        if (w.trace != null) {
          w.trace.waiting(0); // before it can be taken into a call
        }
        ready.add(w);
      }
      dispatch();
    }

    void dispatch() {
      while (true) {
        List<Waiting> batch;
        synchronized (this) {
          long now = System.nanoTime();
          while (!backingOff.isEmpty() && backingOff.peek().notBeforeNanos <= now) {
            ready.add(backingOff.poll());
          }
          if (ready.isEmpty()) {
            scheduleWakeup();
            return;
          }
          if (!bulkhead.tryAcquirePermission()) {
            bulkheadRejections.increment(); // fail fast: the next completing call dispatches again
            return;
          }
          batch = new ArrayList<>(Math.min(ready.size(), settings.batchSize()));
          while (batch.size() < settings.batchSize() && !ready.isEmpty()) {
            batch.add(ready.poll());
          }
        }
        send(batch);
      }
    }

    /** Holding the monitor: arm the timer for the earliest backoff, unless an earlier one is armed. */
    private void scheduleWakeup() {
      if (backingOff.isEmpty()) {
        return;
      }
      long due = backingOff.peek().notBeforeNanos;
      if (wakeupAtNanos != 0 && wakeupAtNanos <= due) {
        return;
      }
      wakeupAtNanos = due;
      scheduler.schedule(
          () -> {
            synchronized (this) {
              if (wakeupAtNanos == due) {
                wakeupAtNanos = 0;
              }
            }
            dispatch();
          },
          Math.max(0, due - System.nanoTime()),
          TimeUnit.NANOSECONDS);
    }

    private void send(List<Waiting> batch) {
      calls.increment();
      batchCalls.increment();
      JoinBatchRequest.Builder req = JoinBatchRequest.newBuilder();
      // the first sampled join's call span goes to the guild pod as the batch's traceparent
      io.opentelemetry.context.Context traced = io.opentelemetry.context.Context.root();
      for (Waiting w : batch) {
        req.addJoins(w.request);
        if (w.trace != null) {
          io.opentelemetry.context.Context c = w.trace.calling(batch.size());
          if (traced == io.opentelemetry.context.Context.root()) {
            traced = c;
          }
        }
      }
      io.opentelemetry.context.Context parent = traced;
      Context.ROOT.run(
          () ->
              dev.concord.tracing.GrpcTracing.propagate(GuildRegistryGrpc.newStub(channel), parent)
                  .withDeadlineAfter(settings.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                  .withMaxInboundMessageSize(MAX_BATCH_RESPONSE_BYTES)
                  .joinBatch(
                      req.build(),
                      new StreamObserver<>() {
                        @Override
                        public void onNext(JoinBatchResponse resp) {
                          for (int i = 0; i < batch.size(); i++) {
                            Waiting w = batch.get(i);
                            JoinOutcome o = i < resp.getOutcomesCount() ? resp.getOutcomes(i) : JoinOutcome.newBuilder().setCode(Status.Code.INTERNAL.value()).setMessage("no outcome").build();
                            outcome(w, o);
                          }
                        }

                        @Override
                        public void onError(Throwable t) {
                          Status s = Status.fromThrowable(t);
                          for (Waiting w : batch) {
                            if (w.trace != null) {
                              w.trace.answered(s.getCode());
                            }
                          }
                          if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                            timeouts.add(batch.size());
                          }
                          for (Waiting w : batch) {
                            if (w.result.isDone()) {
                              continue; // answered already (a deadline can fire after the response)
                            }
                            if (retryable(s.getCode())) {
                              backOff(w, s, retryAfterMs(s));
                            } else {
                              failures.increment();
                              w.result.completeExceptionally(t);
                            }
                          }
                          done();
                        }

                        @Override
                        public void onCompleted() {
                          done();
                        }

                        private void done() {
                          bulkhead.onComplete();
                          dispatch();
                        }
                      }));
    }

    private void outcome(Waiting w, JoinOutcome o) {
      Status.Code code = Status.fromCodeValue(o.getCode()).getCode();
      if (w.trace != null) {
        w.trace.answered(code);
      }
      if (code == Status.Code.OK) {
        w.result.complete(o.getResponse());
        return;
      }
      Status s = Status.fromCode(code).withDescription(o.getMessage());
      if (code == Status.Code.RESOURCE_EXHAUSTED) {
        guildRejections.increment();
      }
      if (code == Status.Code.DEADLINE_EXCEEDED) {
        timeouts.increment();
      }
      if (retryable(code)) {
        backOff(w, s, retryAfterMs(s));
        return;
      }
      failures.increment();
      w.result.completeExceptionally(
          o.hasWrongOwner()
              ? WrongOwnerStatus.of(o.getWrongOwner().getRole(), o.getWrongOwner().getRingVersion(), o.getWrongOwner().getOwnerPodId(), o.getMessage())
              : s.asRuntimeException());
    }

    /** Puts a join back to wait out its backoff (full jitter, at least half a retry-after hint). */
    private void backOff(Waiting w, Status last, long hintMs) {
      w.attempts++;
      if (w.attempts >= settings.maxAttempts()) {
        failures.increment();
        w.result.completeExceptionally(
            last.withDescription(last.getDescription() + " (gave up after " + settings.maxAttempts() + " attempts)").asRuntimeException());
        return;
      }
      retries.increment();
      long delayMs = jitteredDelayMs(w.attempts - 1, hintMs);
      if (w.trace != null) {
        w.trace.waiting(w.attempts);
      }
      synchronized (this) {
        w.notBeforeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs);
        backingOff.add(w);
      }
    }
  }

  /** A batch's answer carries every member's GUILD_CREATE: allow large messages. */
  static final int MAX_BATCH_RESPONSE_BYTES = 256 << 20;

  private static boolean retryable(Status.Code code) {
    return switch (code) {
      case RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED -> true;
      default -> false;
    };
  }

  /** Full jitter: uniform in [0, min(cap, base * 2^n)], and at least about half the callee's hint. */
  private long jitteredDelayMs(int n, long hintMs) {
    long bound = Math.min(settings.backoffCap().toMillis(), settings.backoffBase().toMillis() << Math.min(n, 20));
    long delay = ThreadLocalRandom.current().nextLong(bound + 1);
    if (hintMs > 0) {
      delay = Math.max(delay, hintMs / 2 + ThreadLocalRandom.current().nextLong(hintMs + 1));
    }
    return delay;
  }

  /** The naive path (bulkhead off): one call per join, sent at once, retried on its own timer. */
  private void attempt(String podId, ManagedChannel channel, JoinRequest req, int n, CompletableFuture<JoinResponse> result) {
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
                        result.complete(value);
                      }

                      @Override
                      public void onError(Throwable t) {
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
    long delay = jitteredDelayMs(n, hintMs);
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
