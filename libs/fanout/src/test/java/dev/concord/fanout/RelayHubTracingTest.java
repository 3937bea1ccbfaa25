package dev.concord.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.guild.v1.GuildRelayGrpc;
import dev.concord.proto.guild.v1.OpenRelayRequest;
import dev.concord.proto.guild.v1.RelayBatch;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.tracing.FanoutSampling;
import dev.concord.tracing.TraceWire;
import dev.concord.tracing.Tracing;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay event's trace field: absent (zero bytes) unless the publish was sampled. */
class RelayHubTracingTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final Tracing tracing = Tracing.exportingTo("guild", spans, 1, FanoutSampling.DEFAULT);
  private final ExecutorService sendPool = Executors.newSingleThreadExecutor();
  private final RelayHub hub = new RelayHub(sendPool, 64, 16, tracing);
  private final BlockingQueue<RelayEvent> received = new LinkedBlockingQueue<>();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    sendPool.shutdownNow();
    tracing.close();
  }

  private void open() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(new RelayService(hub)).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    GuildRelayGrpc.newStub(channel)
        .openRelay(
            OpenRelayRequest.newBuilder().setSessionPodId("pod-a").build(),
            new StreamObserver<>() {
              @Override
              public void onNext(RelayBatch b) {
                received.addAll(b.getEventsList());
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (hub.connectedPods() == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(hub.connectedPods()).isEqualTo(1);
  }

  @Test
  void unsampledEventsCarryNoTraceBytes() throws Exception {
    open();
    hub.prepare(1, 1, "MESSAGE_CREATE", "{\"id\":\"1\"}".getBytes(), 0, 0, 0, Map.of("pod-a", List.of(7L, 8L))).run();
    RelayEvent e = received.poll(5, TimeUnit.SECONDS);
    assertThat(e).isNotNull();
    assertThat(e.hasTrace()).isFalse();
    RelayEvent bare =
        RelayEvent.newBuilder()
            .setGuildId(1)
            .setGuildSeq(1)
            .setType("MESSAGE_CREATE")
            .setPayload(com.google.protobuf.ByteString.copyFromUtf8("{\"id\":\"1\"}"))
            .addAllSessionKeys(List.of(7L, 8L))
            .build();
    assertThat(e.getSerializedSize()).isEqualTo(bare.getSerializedSize());
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void sampledEventsGoOnAsChildrenOfTheirRelaySendSpan() throws Exception {
    open();
    Span publish = tracing.entry("publish", Context.root());
    hub.prepare(1, 1, "MESSAGE_CREATE", new byte[] {'{', '}'}, 0, 0, 0, Map.of("pod-a", List.of(7L, 8L, 9L)))
        .run(publish.getSpanContext());
    RelayEvent e = received.poll(5, TimeUnit.SECONDS);
    publish.end();
    assertThat(e).isNotNull();
    assertThat(e.hasTrace()).isTrue();
    assertThat(e.getTrace().getRecipients()).isEqualTo(3);
    SpanData send = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("relay.send")).findFirst().orElseThrow();
    assertThat(send.getParentSpanId()).isEqualTo(publish.getSpanContext().getSpanId());
    assertThat(TraceWire.parent(e.getTrace()).getSpanId()).isEqualTo(send.getSpanId());
    assertThat(TraceWire.parent(e.getTrace()).getTraceId()).isEqualTo(publish.getSpanContext().getTraceId());
  }
}
