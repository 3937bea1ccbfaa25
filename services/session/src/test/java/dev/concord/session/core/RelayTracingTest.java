package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.concord.fanout.RelayWorkers;
import dev.concord.proto.common.v1.TraceContext;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.proto.guild.v1.User;
import dev.concord.proto.session.v1.Identify;
import dev.concord.protocol.Intents;
import dev.concord.testkit.Await;
import dev.concord.tracing.FanoutSampling;
import dev.concord.tracing.TraceWire;
import dev.concord.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fanout sampling on the session workers: a sampled event to N sessions makes delivery spans for
 * about N x rate(N) copies, all in the publish's trace, and the trace rides on to the link only
 * with the dispatches that hold a traced copy.
 */
class RelayTracingTest {
  private static final long GUILD = 77;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final Tracing tracing = Tracing.exportingTo("concord-session", spans, 1, FanoutSampling.DEFAULT);
  private final RelayWorkers workers = new RelayWorkers(2, 1 << 16);
  private final AtomicLong delivered = new AtomicLong();
  private final List<TraceContext> linkTraces = new CopyOnWriteArrayList<>();
  private final AtomicInteger joined = new AtomicInteger();
  private final List<Long> keys = new ArrayList<>();

  @AfterEach
  void stop() {
    workers.close();
    tracing.close();
  }

  /** Every session shares this link; dispatches are counted and their traces kept. */
  private final LinkSink link =
      new LinkSink() {
        @Override
        public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n) {
          return sendShared(type, payload, ids, seqs, n, null);
        }

        @Override
        public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n, TraceContext trace) {
          if (trace != null) {
            linkTraces.add(trace);
          }
          delivered.addAndGet(n);
          return true;
        }
      };

  private SessionManager managerWithSessions(int n) throws InterruptedException {
    GuildPort guilds =
        new GuildPort() {
          @Override
          public CompletableFuture<User> user(long userId) {
            return CompletableFuture.completedFuture(User.newBuilder().setId(userId).setUsername("u" + userId).addGuildIds(GUILD).build());
          }

          @Override
          public CompletableFuture<Joined> join(long guildId, Session session, long since) {
            return CompletableFuture.completedFuture(
                new Joined(JoinResponse.newBuilder().setGuildCreateJson(ByteString.copyFromUtf8("{}")).build(), "guild-0"));
          }

          @Override
          public void leave(long guildId, String sessionId) {}
        };
    PresencePort presence =
        new PresencePort() {
          @Override
          public void update(long u, String s, String st, String p, String a, Collection<Long> g) {}

          @Override
          public void end(long u, String s, Collection<Long> g) {}
        };
    SessionManager manager = new SessionManager("pod-a", workers, guilds, presence, 16).withTracing(tracing);
    for (int i = 0; i < n; i++) {
      long connId = i;
      Session session = manager.identify(
          Identify.newBuilder().setUserId(1000 + i).setIntents(Intents.GUILD_MESSAGES).build(),
          new Connection() {
            int frames;

            @Override
            public boolean send(ByteString frame) {
              if (++frames == 2) { // READY, then GUILD_CREATE: joined
                joined.incrementAndGet();
              }
              return true;
            }

            @Override
            public void close(int code, String reason) {}

            @Override
            public long id() {
              return connId;
            }

            @Override
            public LinkSink link() {
              return link;
            }
          });
      keys.add(session.key());
    }
    Await.until(() -> joined.get() == n, n + " sessions joined (" + joined.get() + ")");
    return manager;
  }

  @ParameterizedTest(name = "{0} recipients -> {1} to {2} delivery spans")
  @CsvSource({
    // one recipient: its copy is always traced
    "1, 1, 1",
    // 100: rate 10 %, stride 10; each of the 2 workers traces floor or ceil of its share / 10
    "100, 8, 12",
    // 10 000: rate 0.1 %, stride 1000: 10, give or take one per worker
    "10000, 8, 12"
  })
  void aSampleOfCopiesIsTracedInThePublishTrace(int recipients, int min, int max) throws Exception {
    SessionManager manager = managerWithSessions(recipients);
    Span publish = tracing.entry("publish", Context.root());
    manager.onRelayEvent(
        RelayEvent.newBuilder()
            .setGuildId(GUILD)
            .setGuildSeq(1)
            .setType("MESSAGE_CREATE")
            .setPayload(ByteString.copyFromUtf8("{\"id\":\"1\"}"))
            .addAllSessionKeys(keys)
            .setTrace(TraceWire.of(publish.getSpanContext(), Tracing.now(), recipients))
            .build());
    Await.until(() -> delivered.get() == recipients, recipients + " deliveries (" + delivered.get() + ")");
    Await.until(
        () -> spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("session.relay")).count() >= Math.min(2, recipients),
        "the workers' session.relay spans");
    publish.end();

    List<SpanData> all = spans.getFinishedSpanItems();
    String traceId = publish.getSpanContext().getTraceId();
    assertThat(all).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(traceId));
    // one root only: the publish; no root span per copy
    assertThat(all).filteredOn(s -> !s.getParentSpanContext().isValid()).extracting(SpanData::getName).containsExactly("publish");
    List<SpanData> relays = all.stream().filter(s -> s.getName().equals("session.relay")).toList();
    assertThat(relays).allSatisfy(r -> assertThat(r.getParentSpanId()).isEqualTo(publish.getSpanContext().getSpanId()));
    Set<String> relayIds = relays.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
    List<SpanData> deliveries = all.stream().filter(s -> s.getName().equals("session.deliver")).toList();
    System.out.printf("%d recipients: %d delivery spans (%.3f %%)%n", recipients, deliveries.size(), 100.0 * deliveries.size() / recipients);
    assertThat(deliveries).hasSizeBetween(min, max);
    assertThat(deliveries).allSatisfy(d -> assertThat(relayIds).contains(d.getParentSpanId()));
    // the trace rides on with the dispatches that hold a traced copy, as a delivery span's child
    Set<String> deliveryIds = deliveries.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
    assertThat(linkTraces).isNotEmpty().hasSizeLessThanOrEqualTo(deliveries.size());
    assertThat(linkTraces).allSatisfy(t -> assertThat(deliveryIds).contains(TraceWire.parent(t).getSpanId()));
  }
}
