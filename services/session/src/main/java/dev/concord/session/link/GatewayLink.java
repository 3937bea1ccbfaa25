package dev.concord.session.link;

import com.google.protobuf.ByteString;
import dev.concord.proto.session.v1.CloseConnection;
import dev.concord.proto.session.v1.Downstream;
import dev.concord.proto.session.v1.GatewayBatch;
import dev.concord.proto.session.v1.SessionBatch;
import dev.concord.proto.session.v1.Upstream;
import dev.concord.protocol.CloseCode;
import dev.concord.session.core.Connection;
import dev.concord.session.core.LinkSink;
import dev.concord.proto.session.v1.SharedDispatch;
import dev.concord.session.core.Session;
import dev.concord.session.core.SessionManager;
import dev.concord.streams.BatchingSender;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway pod's link: the server side of a SessionLink.Connect stream. Inbound items are
 * dispatched to the {@link SessionManager} in stream order; outbound frames of every connection
 * of that gateway share one bounded {@link BatchingSender}.
 *
 * <p>Overflow policy: when the gateway does not keep up and the outbound queue is full, the link
 * is failed (RESOURCE_EXHAUSTED) and every session on it ends; the gateway closes the sockets with
 * a resumable code. Nothing grows without bound.
 *
 * <p>Concurrency: inbound callbacks are serialized by gRPC; the connection map is concurrent;
 * {@link #send} is called from session workers.
 */
final class GatewayLink implements StreamObserver<GatewayBatch>, LinkSink {
  private static final Logger log = LoggerFactory.getLogger(GatewayLink.class);

  private final SessionManager manager;
  private final BatchingSender<Downstream, SessionBatch> out;
  private final ConcurrentHashMap<Long, LinkConnection> connections = new ConcurrentHashMap<>();
  private volatile boolean lost;
  private final dev.concord.tracing.Tracing tracing;
  // link.send spans of traced dispatches still queued (bounded)
  private final dev.concord.tracing.InFlightSpans sends;
  // traced dispatches waiting in `out`: while 0 (nearly always) a batch is built without a look
  private final java.util.concurrent.atomic.AtomicInteger tracedQueued = new java.util.concurrent.atomic.AtomicInteger();

  GatewayLink(
      SessionManager manager,
      ServerCallStreamObserver<SessionBatch> call,
      Executor sendExecutor,
      int queueCapacity,
      int maxBatch,
      dev.concord.tracing.Tracing tracing) {
    this.manager = manager;
    this.tracing = tracing;
    this.sends = new dev.concord.tracing.InFlightSpans(tracing, "link.send", 1024);
    this.out =
        new BatchingSender<>(
            call,
            this::toBatch,
            sendExecutor,
            queueCapacity,
            maxBatch,
            Downstream::getSerializedSize,
            dev.concord.streams.StreamLimits.MAX_BATCH_BYTES);
    call.setOnReadyHandler(out::onReady);
    call.setOnCancelHandler(this::lose);
  }

  int connections() {
    return connections.size();
  }

  private SessionBatch toBatch(java.util.List<Downstream> items) {
    if (tracedQueued.get() > 0) {
      for (Downstream d : items) {
        if (d.getKindCase() == Downstream.KindCase.SHARED && d.getShared().hasTrace()) {
          tracedQueued.decrementAndGet();
          sends.sent(d.getShared().getTrace()); // a traced dispatch leaves now: its link.send span ends
        }
      }
    }
    return SessionBatch.newBuilder().addAllItems(items).build();
  }

  @Override
  public void onNext(GatewayBatch batch) {
    for (Upstream item : batch.getItemsList()) {
      long connId = item.getConnectionId();
      switch (item.getKindCase()) {
        case IDENTIFY -> {
          if (connections.containsKey(connId)) {
            closeConnection(connId, CloseCode.ALREADY_AUTHENTICATED.code(), "already authenticated");
            continue;
          }
          LinkConnection c = new LinkConnection(connId);
          connections.put(connId, c);
          c.session = manager.identify(item.getIdentify(), c);
        }
        case FRAME -> {
          LinkConnection c = connections.get(connId);
          Session s = c == null ? null : c.session;
          if (s != null && item.getFrame().getOp() == 3) {
            manager.presenceUpdate(s, item.getFrame().getJson().toByteArray());
          } else if (s != null && item.getFrame().getOp() == 8) {
            manager.requestMembers(s, item.getFrame().getJson().toByteArray());
          } else if (s != null && item.getFrame().getOp() == 14) {
            manager.subscribeGuild(s, item.getFrame().getJson().toByteArray());
          }
        }
        case ACKED -> {
          LinkConnection c = connections.get(connId);
          if (c != null && c.session != null) {
            manager.acked(c.session, item.getAcked().getSeq());
          }
        }
        case DISCONNECTED -> {
          LinkConnection c = connections.remove(connId);
          if (c != null && c.session != null) {
            manager.disconnected(c.session, c, item.getDisconnected().getCloseCode());
          }
        }
        case RESUME -> {
          if (connections.containsKey(connId)) {
            closeConnection(connId, CloseCode.ALREADY_AUTHENTICATED.code(), "already authenticated");
            continue;
          }
          LinkConnection c = new LinkConnection(connId);
          connections.put(connId, c);
          c.session = manager.resume(item.getResume(), c);
          if (c.session == null) {
            connections.remove(connId, c);
          }
        }
        case KIND_NOT_SET -> log.debug("empty upstream item for connection {}", connId);
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    log.info("gateway link lost: {}", Status.fromThrowable(t));
    lose();
  }

  @Override
  public void onCompleted() {
    lose();
    out.close();
  }

  private void lose() {
    if (lost) {
      return;
    }
    lost = true;
    out.abandon();
    // The gateway is gone (redeploy, crash): its clients reconnect elsewhere and resume.
    for (LinkConnection c : connections.values()) {
      if (c.session != null) {
        manager.disconnected(c.session, c, 0);
      }
    }
    connections.clear();
  }

  private void closeConnection(long connId, int code, String reason) {
    out.offer(
        Downstream.newBuilder()
            .setConnectionId(connId)
            .setClose(CloseConnection.newBuilder().setCode(code).setReason(reason))
            .build());
  }

  private static Downstream frame(long connId, ByteString frame) {
    return Downstream.newBuilder().setConnectionId(connId).setFrame(frame).build();
  }

  @Override
  public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n) {
    return sendShared(type, payload, ids, seqs, n, null);
  }

  @Override
  public boolean sendShared(
      String type,
      ByteString payload,
      long[] ids,
      long[] seqs,
      int n,
      dev.concord.proto.common.v1.@org.jspecify.annotations.Nullable TraceContext trace) {
    SharedDispatch.Builder b = SharedDispatch.newBuilder().setType(type).setPayload(payload);
    for (int i = 0; i < n; i++) {
      b.addConnectionIds(ids[i]).addSeqs(seqs[i]);
    }
    dev.concord.proto.common.v1.TraceContext sent = null;
    if (trace != null && tracing.enabled()) {
      sent = sends.start(dev.concord.tracing.TraceWire.parent(trace), trace.getRecipients(), span -> span.setAttribute("concord.connections", n));
      b.setTrace(sent);
      tracedQueued.incrementAndGet();
    }
    if (out.offer(Downstream.newBuilder().setShared(b).build())) {
      return true;
    }
    if (sent != null) {
      tracedQueued.decrementAndGet();
      sends.dropped(sent, "gateway link queue full");
    }
    overflow();
    return false;
  }

  private void overflow() {
    if (!lost) {
      log.warn("gateway link outbound queue full; failing the link so its clients resume elsewhere");
      out.fail(Status.RESOURCE_EXHAUSTED.withDescription("session link queue overflow").asRuntimeException());
      lose();
    }
  }

  /** A connection of this link, as a session sees it. */
  private final class LinkConnection implements Connection {
    private final long connId;
    volatile Session session;

    LinkConnection(long connId) {
      this.connId = connId;
    }

    @Override
    public boolean send(ByteString frame) {
      if (out.offer(frame(connId, frame))) {
        return true;
      }
      overflow();
      return false;
    }

    @Override
    public void close(int code, String reason) {
      if (connections.remove(connId, this)) {
        closeConnection(connId, code, reason);
      }
    }

    @Override
    public long id() {
      return connId;
    }

    @Override
    public LinkSink link() {
      return GatewayLink.this;
    }
  }
}
