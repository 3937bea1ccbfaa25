package dev.concord.fanout;

import com.google.protobuf.ByteString;
import dev.concord.proto.guild.v1.RelayBatch;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.streams.BatchingSender;
import dev.concord.tracing.TracedRunnable;
import dev.concord.tracing.Tracing;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guild pod's fanout: one relay stream per session pod (opened by that pod), and for every
 * event ONE {@link RelayEvent} per session pod carrying the payload (serialized once) and the
 * recipient session ids on that pod.
 *
 * <p>Overflow policy: each pod's queue is bounded ({@code queueCapacity} events). When an event
 * does not fit, that pod's stream is failed with RESOURCE_EXHAUSTED and forgotten; the session pod
 * reopens it and resyncs its sessions. Nothing is ever buffered without bound, and a slow session
 * pod never slows the guild loop or the other pods.
 *
 * <p>Concurrency: {@link #publish} runs on guild event loops (many at once, one per guild); the
 * pod map is concurrent; each pod's {@link BatchingSender} takes concurrent producers. Events of
 * one guild enter a pod's queue in the guild's order because one guild's loop steps are ordered.
 */
public final class RelayHub {
  private static final Logger log = LoggerFactory.getLogger(RelayHub.class);

  private final ConcurrentHashMap<String, BatchingSender<RelayEvent, RelayBatch>> pods =
      new ConcurrentHashMap<>();
  private final Executor sendExecutor;
  private final int queueCapacity;
  private final int maxBatch;
  private final LongAdder relayed = new LongAdder();
  private final LongAdder undeliverable = new LongAdder();
  private final LongAdder overflows = new LongAdder();
  // relay.send spans of sampled events still queued (bounded)
  private final dev.concord.tracing.InFlightSpans sends;

  public RelayHub(Executor sendExecutor, int queueCapacity, int maxBatch) {
    this(sendExecutor, queueCapacity, maxBatch, Tracing.off());
  }

  /**
   * @param tracing records a {@code relay.send} span (queued to written on the stream) for each
   *     relay event of a sampled trace
   */
  public RelayHub(Executor sendExecutor, int queueCapacity, int maxBatch, Tracing tracing) {
    this.sendExecutor = sendExecutor;
    this.queueCapacity = queueCapacity;
    this.maxBatch = maxBatch;
    this.sends = new dev.concord.tracing.InFlightSpans(tracing, "relay.send", 4096);
  }

  /** A session pod opened its relay stream; a previous stream of the same pod is ended. */
  public void attach(String podId, ServerCallStreamObserver<RelayBatch> call) {
    BatchingSender<RelayEvent, RelayBatch> sender =
        new BatchingSender<>(
            call,
            this::toBatch,
            sendExecutor,
            queueCapacity,
            maxBatch,
            RelayEvent::getSerializedSize,
            dev.concord.streams.StreamLimits.MAX_BATCH_BYTES);
    call.setOnReadyHandler(sender::onReady);
    call.setOnCancelHandler(
        () -> {
          sender.abandon();
          pods.remove(podId, sender);
          log.info("relay stream of {} closed by peer", podId);
        });
    // The first message is an empty batch: it tells the session pod that the stream is attached,
    // so joins it sends from now on are covered by this stream.
    sender.offer(RelayEvent.getDefaultInstance());
    BatchingSender<RelayEvent, RelayBatch> old = pods.put(podId, sender);
    if (old != null) {
      old.fail(Status.ABORTED.withDescription("replaced by a newer relay stream").asRuntimeException());
    }
    log.info("relay stream of {} attached", podId);
  }

  private RelayBatch toBatch(java.util.List<RelayEvent> events) {
    RelayBatch.Builder b = RelayBatch.newBuilder();
    for (RelayEvent e : events) {
      if (e.hasTrace()) {
        sends.sent(e.getTrace()); // a sampled event leaves now: its relay.send span ends
      }
      if (e.getGuildId() != 0) { // skip the attach marker
        b.addEvents(e);
      }
    }
    return b.build();
  }

  /**
   * Queues one event for every session pod in {@code sessionsByPod}: ONE relay event per pod,
   * carrying the payload (serialized once by the caller) and that pod's recipients. Call it from
   * the guild's event loop, in the guild's order; it never blocks.
   */
  public void publish(
      long guildId,
      long guildSeq,
      String type,
      byte[] payload,
      long requiredIntents,
      Map<String, ? extends Collection<Long>> sessionsByPod) {
    prepare(guildId, guildSeq, type, payload, requiredIntents, 0, 0, sessionsByPod).run();
  }

  /**
   * Builds the relay events of one guild event now (the recipients are captured from {@code
   * sessionsByPod} at this call, on the guild's loop) and returns the step that queues them. The
   * guild runs that step once the event's writes are durable, still in the guild's order.
   *
   * @param messageId for MESSAGE_CREATE, the message id (0 otherwise)
   */
  public TracedRunnable prepare(
      long guildId,
      long guildSeq,
      String type,
      byte[] payload,
      long requiredIntents,
      long channelId,
      long messageId,
      Map<String, ? extends Collection<Long>> sessionsByPod) {
    return prepare(guildId, guildSeq, type, payload, requiredIntents, channelId, messageId, null, sessionsByPod);
  }

  /**
   * As above, with the {@code gate} that sessions without MESSAGE_CONTENT apply (messages only).
   * The returned step queues the events as they are, or, run with a sampled trace's span, with
   * that span's context in their {@code trace} field (unsampled events never carry one).
   */
  public TracedRunnable prepare(
      long guildId,
      long guildSeq,
      String type,
      byte[] payload,
      long requiredIntents,
      long channelId,
      long messageId,
      dev.concord.proto.guild.v1.@org.jspecify.annotations.Nullable ContentGate gate,
      Map<String, ? extends Collection<Long>> sessionsByPod) {
    return prepare(guildId, guildSeq, type, payload, requiredIntents, channelId, messageId, gate, sessionsByPod, false);
  }

  /**
   * As above, for an event to EVERY session subscribed to the guild on each pod of {@code
   * subscribersByPod}: each pod gets one event without keys ({@code all_subscribers}), and its
   * session workers find the recipients in their own rosters. Costs O(pods), not O(sessions).
   */
  public TracedRunnable prepareToAll(
      long guildId,
      long guildSeq,
      String type,
      byte[] payload,
      long requiredIntents,
      long channelId,
      long messageId,
      dev.concord.proto.guild.v1.@org.jspecify.annotations.Nullable ContentGate gate,
      Map<String, ? extends Collection<Long>> subscribersByPod) {
    return prepare(guildId, guildSeq, type, payload, requiredIntents, channelId, messageId, gate, subscribersByPod, true);
  }

  private TracedRunnable prepare(
      long guildId,
      long guildSeq,
      String type,
      byte[] payload,
      long requiredIntents,
      long channelId,
      long messageId,
      dev.concord.proto.guild.v1.@org.jspecify.annotations.Nullable ContentGate gate,
      Map<String, ? extends Collection<Long>> sessionsByPod,
      boolean toAll) {
    if (sessionsByPod.isEmpty()) {
      return NOTHING;
    }
    ByteString shared = ByteString.copyFrom(payload);
    String[] podIds = new String[sessionsByPod.size()];
    // built when sent: a sampled event gets its trace before it is built, never a second copy
    RelayEvent.Builder[] events = new RelayEvent.Builder[podIds.length];
    int[] recipients = new int[podIds.length];
    int i = 0;
    for (Map.Entry<String, ? extends Collection<Long>> e : sessionsByPod.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue; // no session of this pod left
      }
      podIds[i] = e.getKey();
      recipients[i] = e.getValue().size();
      RelayEvent.Builder b =
          RelayEvent.newBuilder()
              .setGuildId(guildId)
              .setGuildSeq(guildSeq)
              .setType(type)
              .setPayload(shared)
              .setRequiredIntents(requiredIntents)
              .setChannelId(channelId)
              .setMessageId(messageId);
      if (toAll) {
        b.setAllSubscribers(true);
      } else {
        b.addAllSessionKeys(e.getValue());
      }
      if (gate != null) {
        b.setContentGate(gate);
      }
      events[i++] = b;
    }
    return i == 0 ? NOTHING : new Sends(java.util.Arrays.copyOf(podIds, i), java.util.Arrays.copyOf(events, i), recipients);
  }

  /** The relay events of one guild event, one per session pod, queued when run (once). */
  private final class Sends implements TracedRunnable {
    private final String[] podIds;
    private final RelayEvent.Builder[] events;
    private final int[] recipients;

    Sends(String[] podIds, RelayEvent.Builder[] events, int[] recipients) {
      this.podIds = podIds;
      this.events = events;
      this.recipients = recipients;
    }

    @Override
    public void run() {
      for (int k = 0; k < podIds.length; k++) {
        offer(podIds[k], events[k].build());
      }
    }

    @Override
    public void run(io.opentelemetry.api.trace.SpanContext parent) {
      int total = 0;
      for (int n : recipients) {
        total += n;
      }
      for (int k = 0; k < podIds.length; k++) {
        RelayEvent.Builder e = events[k];
        String pod = podIds[k];
        int onPod = recipients[k];
        dev.concord.proto.common.v1.TraceContext trace =
            sends.start(
                parent,
                total,
                span -> {
                  span.setAttribute("concord.guild_id", Long.toUnsignedString(e.getGuildId()));
                  span.setAttribute("concord.session_pod", pod);
                  span.setAttribute("concord.recipients_on_pod", onPod);
                });
        if (!offer(pod, e.setTrace(trace).build())) {
          sends.dropped(trace, "relay queue of " + pod + " refused the event");
        }
      }
    }
  }

  private static final TracedRunnable NOTHING =
      new TracedRunnable() {
        @Override
        public void run() {}

        @Override
        public void run(io.opentelemetry.api.trace.SpanContext parent) {}
      };

  /** Type of the internal event that replaces a session's set of hidden channels. */
  public static final String VISIBILITY = "_VISIBILITY";

  /**
   * Type of the internal event that tells sessions to join the guild again (its owner reloads it
   * from the store, or lost it): they re-join on the ring's owner and catch up on missed messages.
   */
  public static final String REJOIN = "_REJOIN";

  /** Tells one session (on {@code podId}) its new set of hidden channels, in the guild's order. */
  public void publishVisibility(long guildId, long guildSeq, String podId, long sessionKey, long[] hiddenChannelIds) {
    prepareVisibility(guildId, guildSeq, podId, sessionKey, hiddenChannelIds).run();
  }

  /** As {@link #publishVisibility}, queued when the returned step runs (see {@link #prepare}). */
  public Runnable prepareVisibility(long guildId, long guildSeq, String podId, long sessionKey, long[] hiddenChannelIds) {
    RelayEvent.Builder b =
        RelayEvent.newBuilder().setGuildId(guildId).setGuildSeq(guildSeq).setType(VISIBILITY).addSessionKeys(sessionKey);
    for (long c : hiddenChannelIds) {
      b.addHiddenChannelIds(c);
    }
    RelayEvent event = b.build();
    return () -> offer(podId, event);
  }

  private boolean offer(String podId, RelayEvent event) {
    BatchingSender<RelayEvent, RelayBatch> sender = pods.get(podId);
    if (sender == null) {
      undeliverable.increment();
      return false;
    }
    if (sender.offer(event)) {
      relayed.increment();
      return true;
    }
    overflows.increment();
    if (pods.remove(podId, sender)) {
      log.warn(
          "relay queue of {} overflowed ({} events); dropping its stream so its sessions resync", podId, queueCapacity);
      sender.fail(
          Status.RESOURCE_EXHAUSTED.withDescription("relay queue overflow (" + queueCapacity + " events)").asRuntimeException());
    }
    return false;
  }

  public int connectedPods() {
    return pods.size();
  }

  public long queuedEvents() {
    long n = 0;
    for (BatchingSender<RelayEvent, RelayBatch> s : pods.values()) {
      n += s.queued();
    }
    return n;
  }

  public long relayedEvents() {
    return relayed.sum();
  }

  public long undeliverableEvents() {
    return undeliverable.sum();
  }

  public long overflows() {
    return overflows.sum();
  }

  public void shutdown() {
    pods.values().forEach(BatchingSender::close);
    pods.clear();
  }
}
