package dev.concord.gateway.link;

import dev.concord.gateway.ws.ClientConnection;
import dev.concord.proto.session.v1.Downstream;
import dev.concord.proto.session.v1.GatewayBatch;
import dev.concord.proto.session.v1.SessionBatch;
import dev.concord.proto.session.v1.SharedDispatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import dev.concord.proto.session.v1.Upstream;
import dev.concord.protocol.CloseCode;
import dev.concord.ring.RingMember;
import dev.concord.streams.BatchingSender;
import dev.concord.streams.DemandGate;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway's link to one session pod: ONE bidi SessionLink.Connect stream that multiplexes
 * every connection whose session lives there. Upstream items go through a bounded {@link
 * BatchingSender}; downstream frames are handed to their connection, which writes them on its
 * own event loop.
 *
 * <p>Flow control: the stream is read one message at a time, and the next one is asked for only
 * while the deliveries handed to the event loops and not yet written stay below {@code
 * pendingDeliveries} (a {@link DemandGate}; resumes below half of it). Past it, the session pod's
 * sender sees the transport not ready and the burst waits there, serialized, instead of as
 * per-connection work in the loops' unbounded task queues.
 *
 * <p>Failure policy: if the stream breaks, or the upstream queue overflows, every connection on the
 * link is closed with a resumable code (4000) and the link is discarded; the next IDENTIFY opens a
 * new one.
 *
 * <p>Concurrency: {@link #send} from any event loop; downstream callbacks are serialized by gRPC;
 * the connection map is concurrent.
 */
public final class SessionLinkClient implements ClientResponseObserver<GatewayBatch, SessionBatch> {
  private static final Logger log = LoggerFactory.getLogger(SessionLinkClient.class);

  private final RingMember member;
  private final ConcurrentHashMap<Long, ClientConnection> connections = new ConcurrentHashMap<>();
  private final Executor sendExecutor;
  private final int queueCapacity;
  private final int maxBatch;
  private final Runnable onBroken;
  private volatile BatchingSender<Upstream, GatewayBatch> out;
  private final DemandGate gate;
  private volatile ClientCallStreamObserver<GatewayBatch> call;
  private volatile boolean broken;

  private final dev.concord.tracing.Tracing tracing;
  // takes each event loop's write pass over one shared dispatch (a histogram)
  private final java.util.function.LongConsumer writePass;

  SessionLinkClient(
      RingMember member,
      Executor sendExecutor,
      int queueCapacity,
      int maxBatch,
      dev.concord.tracing.Tracing tracing,
      java.util.function.LongConsumer writePass,
      long pendingDeliveries,
      Runnable onBroken) {
    this.member = member;
    this.gate = new DemandGate(pendingDeliveries);
    this.tracing = tracing;
    this.writePass = writePass;
    this.sendExecutor = sendExecutor;
    this.queueCapacity = queueCapacity;
    this.maxBatch = maxBatch;
    this.onBroken = onBroken;
  }

  void open(ManagedChannel channel) {
    io.grpc.Context.ROOT.run(() -> dev.concord.proto.session.v1.SessionLinkGrpc.newStub(channel).connect(this));
  }

  public RingMember member() {
    return member;
  }

  /** Items waiting to be sent on the link (introspection). */
  public int queued() {
    BatchingSender<Upstream, GatewayBatch> o = out;
    return o == null ? 0 : o.queued();
  }

  public boolean isBroken() {
    return broken;
  }

  public int connections() {
    return connections.size();
  }

  public void register(ClientConnection c) {
    connections.put(c.id(), c);
  }

  public void unregister(ClientConnection c) {
    connections.remove(c.id(), c);
  }

  public void send(Upstream item) {
    BatchingSender<Upstream, GatewayBatch> o = out;
    if (o == null || broken) {
      ClientConnection c = connections.get(item.getConnectionId());
      if (c != null) {
        c.closeWith(CloseCode.UNKNOWN_ERROR.code(), "session link unavailable");
      }
      return;
    }
    if (!o.offer(item)) {
      log.warn("link to {} is full ({} items); failing it", member.id(), queueCapacity);
      o.fail(Status.RESOURCE_EXHAUSTED.withDescription("gateway link queue overflow").asRuntimeException());
      broke("upstream queue overflow");
    }
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<GatewayBatch> call) {
    BatchingSender<Upstream, GatewayBatch> sender =
        new BatchingSender<>(
            call,
            items -> GatewayBatch.newBuilder().addAllItems(items).build(),
            sendExecutor,
            queueCapacity,
            maxBatch,
            Upstream::getSerializedSize,
            dev.concord.streams.StreamLimits.MAX_BATCH_BYTES);
    call.setOnReadyHandler(sender::onReady);
    out = sender;
    this.call = call;
    call.disableAutoRequestWithInitial(1);
  }

  /** Deliveries handed to the event loops and not yet written (introspection). */
  public long pendingDeliveries() {
    return gate.pending();
  }

  private void requestNext() {
    ClientCallStreamObserver<GatewayBatch> c = call;
    if (c != null && !broken) {
      c.request(1);
    }
  }

  @Override
  public void onNext(SessionBatch batch) {
    for (Downstream d : batch.getItemsList()) {
      if (d.getKindCase() == Downstream.KindCase.SHARED) {
        deliverShared(d.getShared());
        continue;
      }
      ClientConnection c = connections.get(d.getConnectionId());
      if (c == null) {
        continue;
      }
      switch (d.getKindCase()) {
        case FRAME -> {
          gate.add(1);
          c.deliver(d.getFrame(), gate);
        }
        case CLOSE -> {
          connections.remove(d.getConnectionId(), c);
          c.closeWith(d.getClose().getCode(), d.getClose().getReason());
        }
        case SHARED, KIND_NOT_SET -> {}
      }
    }
    gate.whenOpen(this::requestNext);
  }

  /**
   * One payload for many connections: ONE task per event loop (not per connection) writes it to
   * that loop's connections. Each loop copies the payload once into a pooled direct buffer of its
   * own and hands every connection a retained duplicate (the socket writes it without another
   * copy; no buffer is read by two threads). The flushes are coalesced per loop pass.
   */
  private void deliverShared(SharedDispatch d) {
    int n = Math.min(d.getConnectionIdsCount(), d.getSeqsCount());
    // Two passes so that each loop's batch is allocated at its exact size: a batch waits in its
    // loop's task queue until the loop gets to it, and in a burst to 19 000 members thousands wait
    // (bench-load histogram); arrays grown by doubling held up to twice the slots and copied them.
    ClientConnection[] found = new ClientConnection[n];
    int[] loopOf = new int[n];
    io.netty.channel.EventLoop[] loops = new io.netty.channel.EventLoop[4];
    int[] counts = new int[4];
    int loopCount = 0;
    for (int i = 0; i < n; i++) {
      ClientConnection c = connections.get(d.getConnectionIds(i));
      if (c == null) {
        log.debug("shared dispatch for unknown connection {} on link to {}", d.getConnectionIds(i), member.id());
        continue;
      }
      io.netty.channel.EventLoop loop = c.eventLoop();
      int k = 0;
      while (k < loopCount && loops[k] != loop) {
        k++;
      }
      if (k == loopCount) {
        if (k == loops.length) {
          loops = java.util.Arrays.copyOf(loops, k * 2);
          counts = java.util.Arrays.copyOf(counts, k * 2);
        }
        loops[k] = loop;
        loopCount++;
      }
      counts[k]++;
      found[i] = c;
      loopOf[i] = k;
    }
    if (loopCount == 0) {
      return;
    }
    LoopBatch[] batches = new LoopBatch[loopCount];
    for (int k = 0; k < loopCount; k++) {
      batches[k] = new LoopBatch(counts[k]);
    }
    for (int i = 0; i < n; i++) {
      if (found[i] != null) {
        batches[loopOf[i]].add(found[i], d.getSeqs(i));
      }
    }
    com.google.protobuf.ByteString payload = d.getPayload();
    String type = d.getType();
    // a sampled copy is among these connections (rare): each loop's writes get a span
    dev.concord.proto.common.v1.TraceContext trace = d.hasTrace() && tracing.enabled() ? d.getTrace() : null;
    for (int k = 0; k < loopCount; k++) {
      LoopBatch b = batches[k];
      gate.add(b.size);
      loops[k]
          .execute(
              () -> {
                long started = System.nanoTime();
                // the rest of every frame after its prefix: the payload and the closing brace
                ByteBuf shared = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(payload.size() + 1);
                try {
                  shared.writeBytes(payload.asReadOnlyByteBuffer()).writeByte('}');
                  for (int j = 0; j < b.size; j++) {
                    b.connections[j].writeShared(type, b.seqs[j], shared);
                  }
                } finally {
                  shared.release();
                  gate.done(b.size);
                }
                writePass.accept(System.nanoTime() - started);
                if (trace != null) {
                  traceWrite(trace, b.size);
                }
              });
    }
  }

  /** The {@code gateway.write} span of a traced dispatch: from the session pod's send to the sockets' write. */
  private void traceWrite(dev.concord.proto.common.v1.TraceContext trace, int connections) {
    io.opentelemetry.api.trace.Span span =
        tracing.consumer("gateway.write", dev.concord.tracing.TraceWire.parent(trace), trace.getQueuedAtUnixNanos());
    span.setAttribute("concord.connections", connections);
    span.setAttribute("concord.session_pod", member.id());
    span.end();
  }

  /** The connections of one event loop that one shared dispatch goes to, with their {@code s}. */
  private static final class LoopBatch {
    final ClientConnection[] connections;
    final long[] seqs;
    int size;

    LoopBatch(int capacity) {
      connections = new ClientConnection[capacity];
      seqs = new long[capacity];
    }

    void add(ClientConnection c, long seq) {
      connections[size] = c;
      seqs[size++] = seq;
    }
  }

  @Override
  public void onError(Throwable t) {
    broke(Status.fromThrowable(t).toString());
  }

  @Override
  public void onCompleted() {
    broke("completed by session pod");
  }

  void close() {
    BatchingSender<Upstream, GatewayBatch> o = out;
    broken = true;
    if (o != null) {
      o.close();
    }
  }

  private void broke(String why) {
    if (broken) {
      return;
    }
    broken = true;
    BatchingSender<Upstream, GatewayBatch> o = out;
    if (o != null) {
      o.abandon();
    }
    log.warn("link to session pod {} broke ({}); closing its {} connections (resumable)", member.id(), why, connections.size());
    for (ClientConnection c : connections.values()) {
      c.closeWith(CloseCode.UNKNOWN_ERROR.code(), "session link lost");
    }
    connections.clear();
    onBroken.run();
  }
}
