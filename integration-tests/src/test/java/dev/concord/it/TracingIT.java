package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.protocol.Intents;
import dev.concord.testkit.Await;
import dev.concord.testkit.GatewayClient;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * One message followed through every hop: the five services in this JVM export their spans to one
 * in-memory exporter (head sampling at 100 %), a member posts through REST (or a backend through
 * gRPC), the one other member's socket receives it, and the trace must hold one span per hop, in
 * one tree under one root.
 */
class TracingIT {
  static final String SECRET = "tracing-test-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(15);
  static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
  /** Every hop of a publish after its entry span, in path order. */
  static final List<String> HOPS =
      List.of(
          "guild.queue",
          "guild.apply",
          "guild.commit",
          "relay.send",
          "session.relay",
          "session.deliver",
          "link.send",
          "gateway.write");

  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture =
        new SuiteFixture(
            LocalSuite.Options.defaults(SECRET)
                .withExtra(List.of("--concord.tracing.sample-rate=1"))
                .withSpanExporter(SPANS));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** The spans of the trace whose root is named {@code rootName}, once {@code last} has ended. */
  private static List<SpanData> traceOf(String rootName, String content) throws InterruptedException {
    String[] traceId = {null};
    Await.until(
        () -> {
          for (SpanData s : SPANS.getFinishedSpanItems()) {
            if (s.getName().equals(rootName) && !s.getParentSpanContext().isValid()) {
              List<SpanData> trace = spansOf(s.getTraceId());
              if (trace.stream().anyMatch(t -> t.getName().equals("gateway.write"))
                  && trace.stream().anyMatch(t -> t.getName().equals(rootName))) {
                traceId[0] = s.getTraceId();
                return true;
              }
            }
          }
          return false;
        },
        WAIT,
        "a finished trace rooted at " + rootName + " for '" + content + "'");
    return spansOf(traceId[0]);
  }

  private static List<SpanData> spansOf(String traceId) {
    return SPANS.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
  }

  /** Prints a trace's spans in start order with their service and duration (for the reader of the log). */
  private static void print(List<SpanData> trace) {
    System.out.println("trace " + trace.getFirst().getTraceId() + ":");
    trace.stream()
        .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos))
        .forEach(
            s ->
                System.out.printf(
                    "  %-40s %-18s %8.3f ms%n",
                    s.getName(),
                    s.getResource().getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("service.name")),
                    (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1e6));
  }

  private static void assertOneTreeWithEveryHop(List<SpanData> trace, List<String> entries) {
    print(trace);
    Map<String, SpanData> byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
    // exactly one root; every other span's parent is in this trace
    assertThat(trace).filteredOn(s -> !s.getParentSpanContext().isValid()).hasSize(1);
    assertThat(trace)
        .filteredOn(s -> s.getParentSpanContext().isValid())
        .allSatisfy(s -> assertThat(byId).as("parent of " + s.getName()).containsKey(s.getParentSpanId()));
    // one span per hop: one recipient, one session pod, one gateway
    List<String> names = trace.stream().map(SpanData::getName).toList();
    List<String> expected = new java.util.ArrayList<>(entries);
    expected.addAll(HOPS);
    assertThat(names).containsExactlyInAnyOrderElementsOf(expected);
    // the path runs through every service
    Set<String> services =
        trace.stream()
            .map(s -> s.getResource().getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("service.name")))
            .collect(Collectors.toSet());
    assertThat(services).contains("concord-guild", "concord-session", "concord-gateway");
    // the chain: relay.send -> session.relay -> session.deliver -> link.send -> gateway.write
    SpanData write = trace.stream().filter(s -> s.getName().equals("gateway.write")).findFirst().orElseThrow();
    List<String> chain = new java.util.ArrayList<>();
    for (SpanData s = write; s != null; s = byId.get(s.getParentSpanId())) {
      chain.addFirst(s.getName());
    }
    assertThat(chain.subList(chain.size() - 5, chain.size()))
        .containsExactly("relay.send", "session.relay", "session.deliver", "link.send", "gateway.write");
  }

  @Test
  void aRestMessageToOneRecipientIsOneTraceThroughEveryHop() throws Exception {
    var demo = fixture.demo;
    try (GatewayClient alice = GatewayClient.connect(fixture.url("v=10&encoding=json"));
        RestClient rest = new RestClient(fixture.suite.gatewayUrl())) {
      alice.next(WAIT);
      alice.identify(demo.users().get(0).token(), Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT);
      alice.nextDispatch("GUILD_CREATE", WAIT);

      String content = "traced through REST";
      RestClient.Response r =
          rest.call(
              "POST",
              "/channels/" + Long.toUnsignedString(demo.channelId()) + "/messages",
              demo.users().get(1).token(),
              "{\"content\":\"" + content + "\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      JsonNode m = alice.nextDispatch("MESSAGE_CREATE", WAIT);
      assertThat(m.path("d").path("content").asString()).isEqualTo(content);

      List<SpanData> trace = traceOf("POST /channels/{channel.id}/messages", content);
      assertOneTreeWithEveryHop(trace, List.of("POST /channels/{channel.id}/messages", "GuildApi/CreateMessage"));
      SpanData deliver = trace.stream().filter(s -> s.getName().equals("session.deliver")).findFirst().orElseThrow();
      assertThat(deliver.getAttributes().asMap().toString()).contains("concord.session_id");
    }
  }

  @Test
  void aBackendsGrpcMessageStartsItsOwnTrace() throws Exception {
    var demo = fixture.demo;
    try (GatewayClient alice = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      alice.next(WAIT);
      alice.identify(demo.users().get(0).token(), Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT);
      alice.nextDispatch("GUILD_CREATE", WAIT);
      String content = "traced through gRPC";
      GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()))
          .createMessage(
              CreateMessageRequest.newBuilder()
                  .setGuildId(demo.guildId())
                  .setChannelId(demo.channelId())
                  .setAuthorId(demo.users().get(1).id())
                  .setContent(content)
                  .build());
      JsonNode m = alice.nextDispatch("MESSAGE_CREATE", WAIT);
      assertThat(m.path("d").path("content").asString()).isEqualTo(content);
      List<SpanData> trace = traceOf("GuildApi/CreateMessage", content);
      assertOneTreeWithEveryHop(trace, List.of("GuildApi/CreateMessage"));
    }
  }

  /**
   * A join of a dormant guild, traced: the session pod's join waits in its lane and rides a
   * JoinBatch call, whose traceparent the guild pod continues through the guild's load from the
   * store and the join's loop step.
   */
  @Test
  void aJoinIsTracedFromTheSessionPodThroughTheGuildsActivation() throws Exception {
    var demo = fixture.demo;
    String[] traceId = {null};
    // Background work of earlier tests (a closed session's presence going offline) can wake the
    // guild between the passivation and this join; then the join finds it active. Up to 3 tries.
    for (int attempt = 0; attempt < 3 && traceId[0] == null; attempt++) {
      fixture.suite.guildBean(dev.concord.guild.core.GuildHost.class).passivateAll(); // the guild is dormant now
      try (GatewayClient alice = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
        alice.next(WAIT);
        alice.identify(demo.users().get(0).token(), Intents.GUILDS | Intents.GUILD_MESSAGES);
        alice.nextDispatch("GUILD_CREATE", WAIT);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (traceId[0] == null && System.nanoTime() < deadline) {
        for (SpanData s : SPANS.getFinishedSpanItems()) {
          if (s.getName().equals("guild.activate")
              && spansOf(s.getTraceId()).stream().anyMatch(t -> t.getName().equals("session.join"))) {
            traceId[0] = s.getTraceId();
          }
        }
        Thread.sleep(20); // bounded poll: spans of the join's last hops are exported as they end
      }
    }
    assertThat(traceId[0]).as("a finished join trace with the guild's activation").isNotNull();
    List<SpanData> trace = spansOf(traceId[0]);
    print(trace);
    Map<String, SpanData> byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
    assertThat(trace).filteredOn(s -> !s.getParentSpanContext().isValid()).extracting(SpanData::getName).containsExactly("session.join");
    assertThat(trace).filteredOn(s -> s.getParentSpanContext().isValid()).allSatisfy(s -> assertThat(byId).containsKey(s.getParentSpanId()));
    assertThat(trace)
        .extracting(SpanData::getName)
        .contains("session.join", "join.wait", "join.call", "GuildRegistry/JoinBatch", "guild.activate", "guild.queue", "guild.apply");
    SpanData batch = trace.stream().filter(s -> s.getName().equals("GuildRegistry/JoinBatch")).findFirst().orElseThrow();
    assertThat(byId.get(batch.getParentSpanId()).getName()).isEqualTo("join.call");
  }

  /**
   * The chart's Grafana dashboard asks only for series the services really export: every
   * concord_* name in its queries is in some pod's /actuator/prometheus.
   */
  @Test
  void theDashboardAsksForMetricsTheServicesExport() throws Exception {
    String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("../helm/concord/dashboards/concord.json"));
    Set<String> asked = new java.util.TreeSet<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("concord_[a-z_]+").matcher(dashboard);
    while (m.find()) {
      asked.add(m.group());
    }
    assertThat(asked).hasSizeGreaterThan(10);
    var ports = fixture.suite.ports();
    StringBuilder exported = new StringBuilder();
    try (var http = java.net.http.HttpClient.newHttpClient()) {
      for (int port : List.of(ports.guildHttp(), ports.sessionHttp(), ports.presenceHttp(), ports.gatewayManagement())) {
        var r =
            http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                    .timeout(WAIT)
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("prometheus on " + port).isEqualTo(200);
        exported.append(r.body());
      }
    }
    String all = exported.toString();
    assertThat(asked).allSatisfy(name -> assertThat(all).as("series " + name).contains(name));
  }
}
