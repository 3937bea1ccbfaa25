package dev.concord.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.common.v1.TraceContext;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.LocateChannelRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TracingTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();

  @Test
  void offRecordsNothing() {
    Tracing t = Tracing.off();
    assertThat(t.enabled()).isFalse();
    Span s = t.entry("publish", Context.root());
    assertThat(s.getSpanContext().isSampled()).isFalse();
    s.end();
  }

  @Test
  void headRateDecidesNewTracesAndTheCallerDecidesContinuedOnes() {
    try (Tracing never = Tracing.exportingTo("test", spans, 0, FanoutSampling.DEFAULT);
        Tracing always = Tracing.exportingTo("test", spans, 1, FanoutSampling.DEFAULT)) {
      Span unsampled = never.entry("publish", Context.root());
      assertThat(unsampled.isRecording()).isFalse();
      Span sampled = always.entry("publish", Context.root());
      assertThat(sampled.isRecording()).isTrue();
      // a sampled caller's trace is continued even where the head rate is 0
      Span continued = never.entry("next", Context.root().with(sampled));
      assertThat(continued.isRecording()).isTrue();
      assertThat(continued.getSpanContext().getTraceId()).isEqualTo(sampled.getSpanContext().getTraceId());
      continued.end();
      sampled.end();
      unsampled.end();
    }
    assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).containsExactly("next", "publish");
  }

  @Test
  void wireRoundTripKeepsTheIdsAndCostsNothingWhenAbsent() {
    try (Tracing t = Tracing.exportingTo("test", spans, 1, FanoutSampling.DEFAULT)) {
      Span s = t.entry("publish", Context.root());
      TraceContext w = TraceWire.of(s.getSpanContext(), 42, 7);
      SpanContext back = TraceWire.parent(w);
      assertThat(back.getTraceId()).isEqualTo(s.getSpanContext().getTraceId());
      assertThat(back.getSpanId()).isEqualTo(s.getSpanContext().getSpanId());
      assertThat(back.isSampled()).isTrue();
      assertThat(back.isRemote()).isTrue();
      assertThat(w.getQueuedAtUnixNanos()).isEqualTo(42);
      assertThat(w.getRecipients()).isEqualTo(7);
      // 3 fixed64 ids + queued-at + recipients: small, fixed, and only on sampled messages
      assertThat(w.getSerializedSize()).isLessThanOrEqualTo(4 * 9 + 2);
      Span child = t.consumer("hop", back, Tracing.now());
      assertThat(child.getSpanContext().getTraceId()).isEqualTo(back.getTraceId());
      child.end();
      s.end();
    }
    SpanData hop = spans.getFinishedSpanItems().getFirst();
    assertThat(hop.getName()).isEqualTo("hop");
    assertThat(hop.getParentSpanId()).isEqualTo(spans.getFinishedSpanItems().get(1).getSpanId());
  }

  @Test
  void traceparentCrossesAUnaryCall() throws Exception {
    AtomicReference<Context> seen = new AtomicReference<>();
    String name = InProcessServerBuilder.generateName();
    Server server =
        InProcessServerBuilder.forName(name)
            .addService(
                ServerInterceptors.intercept(
                    new GuildApiGrpc.GuildApiImplBase() {
                      @Override
                      public void locateChannel(
                          LocateChannelRequest req,
                          io.grpc.stub.StreamObserver<dev.concord.proto.guild.v1.ChannelLocation> out) {
                        seen.set(GrpcTracing.parent());
                        out.onNext(dev.concord.proto.guild.v1.ChannelLocation.getDefaultInstance());
                        out.onCompleted();
                      }
                    },
                    GrpcTracing.serverInterceptor()))
            .build()
            .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try (Tracing t = Tracing.exportingTo("test", spans, 1, FanoutSampling.DEFAULT)) {
      var stub = GuildApiGrpc.newBlockingStub(channel);
      stub.locateChannel(LocateChannelRequest.getDefaultInstance());
      assertThat(Span.fromContext(seen.get()).getSpanContext().isValid()).isFalse(); // none sent, none seen

      Span caller = t.entry("rest", Context.root());
      GrpcTracing.propagate(stub, Context.root().with(caller)).locateChannel(LocateChannelRequest.getDefaultInstance());
      SpanContext parent = Span.fromContext(seen.get()).getSpanContext();
      assertThat(parent.getTraceId()).isEqualTo(caller.getSpanContext().getTraceId());
      assertThat(parent.getSpanId()).isEqualTo(caller.getSpanContext().getSpanId());
      assertThat(parent.isSampled()).isTrue();
      caller.end();
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }
}
