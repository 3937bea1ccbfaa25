package dev.concord.gateway.link;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.concord.gateway.ws.ClientConnection;
import dev.concord.gateway.ws.TestConnections;
import dev.concord.proto.session.v1.Downstream;
import dev.concord.proto.session.v1.GatewayBatch;
import dev.concord.proto.session.v1.SessionBatch;
import dev.concord.proto.session.v1.SessionLinkGrpc;
import dev.concord.proto.session.v1.SharedDispatch;
import dev.concord.ring.RingMember;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The link reads no further while its event loops are behind: a session pod's batches beyond the
 * pending-deliveries mark stay on its side (its stream not ready) until the loops have written
 * half, and then every frame arrives once, in order. Real gRPC (in-process transport, which keeps
 * flow control by message count) and real client connections on embedded channels, whose loops
 * run only when the test runs them (a real WebSocket encoder in each pipeline: the pre-encoded
 * path). Everything runs on the test's thread.
 */
class SessionLinkFlowControlTest {
  private static final int CONNECTIONS = 4;
  private static final int BATCHES = 10;

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final String name = InProcessServerBuilder.generateName();
  private Server server;
  private ManagedChannel channel;
  private ManagedChannel nowhere;
  private ServerCallStreamObserver<SessionBatch> toGateway;
  private final EmbeddedChannel[] sockets = new EmbeddedChannel[CONNECTIONS];

  @BeforeEach
  void start() throws Exception {
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new SessionLinkGrpc.SessionLinkImplBase() {
                  @Override
                  public StreamObserver<GatewayBatch> connect(StreamObserver<SessionBatch> out) {
                    toGateway = (ServerCallStreamObserver<SessionBatch>) out;
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(GatewayBatch value) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    };
                  }
                })
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    nowhere = InProcessChannelBuilder.forName("nowhere").build();
  }

  @AfterEach
  void stop() {
    for (EmbeddedChannel s : sockets) {
      if (s != null) {
        s.finishAndReleaseAll();
      }
    }
    channel.shutdownNow();
    nowhere.shutdownNow();
    server.shutdownNow();
    scheduler.shutdownNow();
  }

  private SessionLinkClient link(long pendingDeliveries) {
    SessionLinkClient link =
        new SessionLinkClient(
            new RingMember("session-0", name), Runnable::run, 16, 16, dev.concord.tracing.Tracing.off(), nanos -> {}, pendingDeliveries, () -> {});
    link.open(channel);
    for (int i = 0; i < CONNECTIONS; i++) {
      sockets[i] = new EmbeddedChannel(new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(false));
      ClientConnection c = TestConnections.on(i + 1, sockets[i], nowhere, scheduler);
      link.register(c);
    }
    return link;
  }

  /** One dispatch to every connection, with {@code s} = {@code seq}. */
  private static SessionBatch dispatch(long seq) {
    SharedDispatch.Builder d =
        SharedDispatch.newBuilder()
            .setType("MESSAGE_CREATE")
            .setPayload(ByteString.copyFromUtf8("{\"content\":\"m" + seq + "\"}"));
    for (int i = 0; i < CONNECTIONS; i++) {
      d.addConnectionIds(i + 1).addSeqs(seq);
    }
    return SessionBatch.newBuilder().addItems(Downstream.newBuilder().setShared(d)).build();
  }

  private void runLoops() {
    for (int pass = 0; pass < 100; pass++) {
      boolean any = false;
      for (EmbeddedChannel s : sockets) {
        if (s.hasPendingTasks()) {
          any = true;
          s.runPendingTasks();
        }
      }
      if (!any) {
        return;
      }
    }
  }

  /** What one socket was written, as text. */
  private static String written(EmbeddedChannel s) {
    s.flush();
    StringBuilder out = new StringBuilder();
    Object m;
    while ((m = s.readOutbound()) != null) {
      if (m instanceof ByteBuf b) {
        out.append(b.toString(StandardCharsets.UTF_8));
      }
      ReferenceCountUtil.release(m);
    }
    return out.toString();
  }

  @Test
  void pastTheMark_theLinkStopsReading_andResumesOnceTheLoopsWroteHalf() {
    SessionLinkClient link = link(10);
    for (long seq = 1; seq <= BATCHES; seq++) {
      toGateway.onNext(dispatch(seq));
    }
    // 3 dispatches × 4 connections handed to the loops: 12 ≥ 10, the fourth stays with the sender
    assertThat(link.pendingDeliveries()).isEqualTo(12);
    assertThat(toGateway.isReady()).as("the session pod's side sees the link not ready").isFalse();

    sockets[0].runPendingTasks();
    sockets[1].runPendingTasks(); // 6 left: not yet below half of the mark
    assertThat(link.pendingDeliveries()).isEqualTo(6);
    assertThat(toGateway.isReady()).isFalse();

    runLoops(); // below 5: the next one is read, and so on to the end
    assertThat(link.pendingDeliveries()).isZero();
    for (EmbeddedChannel s : sockets) {
      String text = written(s);
      for (int seq = 1; seq <= BATCHES; seq++) {
        assertThat(text).contains("\"s\":" + seq + ",");
        assertThat(text.indexOf("\"content\":\"m" + seq + "\"")).isGreaterThan(text.indexOf("\"s\":" + seq + ","));
      }
      assertThat(text.split("\"op\":0", -1)).hasSize(BATCHES + 1);
    }
  }

  @Test
  void withoutAMark_theLinkReadsEverythingAtOnce() {
    SessionLinkClient link = link(0);
    for (long seq = 1; seq <= BATCHES; seq++) {
      toGateway.onNext(dispatch(seq));
    }
    assertThat(link.pendingDeliveries()).isEqualTo((long) BATCHES * CONNECTIONS);
    runLoops();
    assertThat(link.pendingDeliveries()).isZero();
  }
}
