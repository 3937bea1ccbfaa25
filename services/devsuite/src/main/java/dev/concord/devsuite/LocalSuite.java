package dev.concord.devsuite;

import dev.concord.gateway.GatewayApplication;
import dev.concord.guild.GuildApplication;
import dev.concord.presence.PresenceApplication;
import dev.concord.registry.RegistryApplication;
import dev.concord.session.SessionApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts registry, guild, presence, session and gateway as five Spring Boot applications in this
 * JVM. They share nothing but the JVM: each has its own context, its own gRPC server on loopback
 * and its own HTTP port, and they find each other through the registry exactly as separate
 * processes do.
 */
public final class LocalSuite implements AutoCloseable {
  /** Ports of one suite. */
  public record Ports(
      int registryGrpc,
      int guildGrpc,
      int sessionGrpc,
      int presenceGrpc,
      int gatewayGrpc,
      int gatewayHttp,
      int registryHttp,
      int guildHttp,
      int sessionHttp,
      int presenceHttp,
      int gatewayManagement) {

    /** The fixed ports of `make run` (see README). */
    public static Ports defaults() {
      return new Ports(7700, 7710, 7720, 7730, 7740, 8080, 8700, 8710, 8720, 8730, 8740);
    }

    /** The ports as one comma-separated argument, in record order (read back by {@link #parse}). */
    public String toArg() {
      return java.util.stream.IntStream.of(
              registryGrpc, guildGrpc, sessionGrpc, presenceGrpc, gatewayGrpc, gatewayHttp, registryHttp, guildHttp, sessionHttp, presenceHttp, gatewayManagement)
          .mapToObj(Integer::toString)
          .collect(java.util.stream.Collectors.joining(","));
    }

    /** Ports written by {@link #toArg}. */
    public static Ports parse(String arg) {
      int[] p = java.util.Arrays.stream(arg.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
      if (p.length != 11) {
        throw new IllegalArgumentException("expected 11 ports, got " + p.length + ": " + arg);
      }
      return new Ports(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
    }

    /** Free ports picked now (tests). */
    public static Ports free() {
      int[] p = new int[11];
      List<ServerSocket> held = new ArrayList<>();
      try {
        for (int i = 0; i < p.length; i++) {
          ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
          held.add(s);
          p[i] = s.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException("no free loopback ports", e);
      } finally {
        for (ServerSocket s : held) {
          try {
            s.close();
          } catch (IOException ignored) {
            // best effort
          }
        }
      }
      return new Ports(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
    }
  }

  /**
   * @param heartbeatInterval the gateway's HELLO interval (shorter in tests)
   * @param extra extra --key=value arguments for every service
   */
  public record Options(
      String tokenSecret,
      Duration heartbeatInterval,
      List<String> extra,
      int sessionPods,
      int gateways,
      io.opentelemetry.sdk.trace.export.@org.jspecify.annotations.Nullable SpanExporter spanExporter) {
    public Options(String tokenSecret, Duration heartbeatInterval, List<String> extra) {
      this(tokenSecret, heartbeatInterval, extra, 1, 1, null);
    }

    public static Options defaults(String tokenSecret) {
      return new Options(tokenSecret, Duration.ofMillis(41_250), List.of(), 1, 1, null);
    }

    /** The same options with {@code n} session pods (session-0 … session-{n-1}). */
    public Options withSessionPods(int n) {
      return new Options(tokenSecret, heartbeatInterval, extra, n, gateways, spanExporter);
    }

    /** The same options with {@code n} gateway pods (gateway-0 … gateway-{n-1}). */
    public Options withGateways(int n) {
      return new Options(tokenSecret, heartbeatInterval, extra, sessionPods, n, spanExporter);
    }

    /** The same options with extra arguments for every service. */
    public Options withExtra(List<String> more) {
      List<String> all = new ArrayList<>(extra);
      all.addAll(more);
      return new Options(tokenSecret, heartbeatInterval, List.copyOf(all), sessionPods, gateways, spanExporter);
    }

    /** The same options with every service's spans going to {@code exporter} as they end (tests). */
    public Options withSpanExporter(io.opentelemetry.sdk.trace.export.SpanExporter exporter) {
      return new Options(tokenSecret, heartbeatInterval, extra, sessionPods, gateways, exporter);
    }
  }

  private final Ports ports;
  private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
  private final List<String> gatewayUrls = new ArrayList<>();
  private Map<String, Object> presenceProps = Map.of();
  private Options options;
  private ConfigurableApplicationContext presence;
  private final List<ConfigurableApplicationContext> gatewayContexts = new ArrayList<>();

  private LocalSuite(Ports ports) {
    this.ports = ports;
  }

  public Ports ports() {
    return ports;
  }

  public String gatewayUrl() {
    return "ws://127.0.0.1:" + ports.gatewayHttp();
  }

  /** The WebSocket URL of gateway {@code i}. */
  public String gatewayUrl(int i) {
    return gatewayUrls.get(i);
  }

  /** Stops the presence service (its state is lost, as in a crash). */
  public void stopPresence() {
    presence.close();
  }

  /** Starts a new presence service on the same ports, with empty state. */
  public void startPresence() {
    presence = run(PresenceApplication.builder(), options, presenceProps);
  }

  /** A bean of the session service (tests and benchmarks). */
  public <T> T sessionBean(Class<T> type) {
    return bean("session", type);
  }

  /** A bean of the (first) guild service (tests). */
  public <T> T guildBean(Class<T> type) {
    return bean("guild", type);
  }

  private <T> T bean(String service, Class<T> type) {
    return contexts.stream()
        .filter(c -> c.getBeanNamesForType(type).length > 0 && c.getId() != null && c.getId().contains(service))
        .findFirst()
        .orElseThrow()
        .getBean(type);
  }

  /** Shuts gateway {@code i} down gracefully (drain with op 7), as a rolling redeploy would. */
  public void stopGateway(int i) {
    gatewayContexts.get(i).close();
  }

  public String guildAddress() {
    return "127.0.0.1:" + ports.guildGrpc();
  }

  /** The services of a suite, in the order they start. */
  public static final List<String> SERVICES = List.of("registry", "guild", "presence", "session", "gateway");

  public static LocalSuite start(Ports ports, Options options) {
    LocalSuite suite = new LocalSuite(ports);
    try {
      for (String service : SERVICES) {
        suite.startService(service, options);
      }
      suite.awaitMembership(options.sessionPods(), options.gateways(), Duration.ofSeconds(30));
      return suite;
    } catch (RuntimeException e) {
      suite.close();
      throw e;
    }
  }

  /**
   * One service of a suite whose other services run in other processes on the same {@code ports}
   * (a JVM per service, as pods are). The gateway, started last, returns once every role's ring
   * has its pods.
   */
  public static LocalSuite startOne(String service, Ports ports, Options options) {
    LocalSuite suite = new LocalSuite(ports);
    try {
      suite.startService(service, options);
      if (service.equals("gateway")) {
        suite.awaitMembership(options.sessionPods(), options.gateways(), Duration.ofSeconds(60));
      }
      return suite;
    } catch (RuntimeException e) {
      suite.close();
      throw e;
    }
  }

  private void startService(String service, Options options) {
    String registry = "127.0.0.1:" + ports.registryGrpc();
    this.options = options;
    switch (service) {
      case "registry" ->
          run(RegistryApplication.builder(), options, Map.of("spring.grpc.server.port", ports.registryGrpc(), "server.port", ports.registryHttp()));
      case "guild" -> run(GuildApplication.builder(), options, pod("guild", ports.guildGrpc(), ports.guildHttp(), registry));
      case "presence" -> {
        presenceProps = pod("presence", ports.presenceGrpc(), ports.presenceHttp(), registry);
        presence = run(PresenceApplication.builder(), options, presenceProps);
      }
      case "session" -> {
        for (int i = 0; i < options.sessionPods(); i++) {
          Ports extra = i == 0 ? ports : Ports.free();
          Map<String, Object> props = new java.util.HashMap<>(pod("session", extra.sessionGrpc(), extra.sessionHttp(), registry));
          props.put("concord.session.pod-id", "session-" + i);
          run(SessionApplication.builder(), options, props);
        }
      }
      case "gateway" -> {
        for (int i = 0; i < options.gateways(); i++) {
          Ports p = i == 0 ? ports : Ports.free();
          Map<String, Object> props = new java.util.HashMap<>();
          props.put("spring.grpc.server.port", p.gatewayGrpc());
          props.put("server.port", p.gatewayHttp());
          props.put("management.server.port", p.gatewayManagement());
          props.put("concord.gateway.pod-id", "gateway-" + i);
          props.put("concord.gateway.registry-address", registry);
          props.put("concord.gateway.public-url", "ws://127.0.0.1:" + p.gatewayHttp());
          props.put("concord.gateway.token-secret", options.tokenSecret());
          props.put("concord.gateway.heartbeat-interval", options.heartbeatInterval().toMillis() + "ms");
          gatewayUrls.add("ws://127.0.0.1:" + p.gatewayHttp());
          gatewayContexts.add(run(GatewayApplication.builder(), options, props));
        }
      }
      default -> throw new IllegalArgumentException("no service " + service + "; one of " + SERVICES);
    }
  }

  /** A {@code role} pod's gRPC and HTTP ports and where its registry is. */
  private static Map<String, Object> pod(String role, int grpcPort, int httpPort, String registry) {
    return Map.of("spring.grpc.server.port", grpcPort, "server.port", httpPort, "concord." + role + ".registry-address", registry);
  }

  /** Waits until every role's ring has its pod (leases are taken once each service is up). */
  private void awaitMembership(int sessionPods, int gateways, Duration timeout) {
    io.grpc.ManagedChannel channel = io.grpc.netty.NettyChannelBuilder.forTarget("127.0.0.1:" + ports.registryGrpc()).usePlaintext().build();
    try {
      var stub = dev.concord.proto.registry.v1.RegistryGrpc.newBlockingStub(channel);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        var m =
            stub.withDeadlineAfter(2, java.util.concurrent.TimeUnit.SECONDS)
                .getMembership(dev.concord.proto.registry.v1.GetMembershipRequest.getDefaultInstance());
        if (m.getRingsList().stream()
            .allMatch(
                r ->
                    r.getMembersCount()
                        >= switch (r.getRole()) {
                          case ROLE_SESSION -> sessionPods;
                          case ROLE_GATEWAY -> gateways;
                          default -> 1;
                        })) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("services did not all join the registry within " + timeout + ": " + m);
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for membership", e);
    } finally {
      channel.shutdownNow();
    }
  }

  private ConfigurableApplicationContext run(SpringApplicationBuilder builder, Options options, Map<String, Object> props) {
    List<String> args = new ArrayList<>();
    props.forEach((k, v) -> args.add("--" + k + "=" + v));
    args.addAll(options.extra());
    // label this thread's log lines (the startup) with the service being started
    String service =
        builder.application().getAllSources().stream()
            .filter(o -> o instanceof Class<?> c && c.getSimpleName().endsWith("Application"))
            .map(o -> "concord-" + ((Class<?>) o).getSimpleName().replace("Application", "").toLowerCase(java.util.Locale.ROOT))
            .findFirst()
            .orElse("concord");
    org.slf4j.MDC.put(ServiceNameConverter.MDC_KEY, service);
    try {
      var exporter = options.spanExporter();
      if (exporter != null) {
        builder.initializers(ctx -> ctx.getBeanFactory().registerSingleton("concordSpanExporter", exporter));
      }
      ConfigurableApplicationContext ctx = builder.run(args.toArray(String[]::new));
      contexts.add(ctx);
      return ctx;
    } finally {
      org.slf4j.MDC.remove(ServiceNameConverter.MDC_KEY);
    }
  }

  /** Stops the services in reverse start order (gateway first). */
  @Override
  public void close() {
    for (int i = contexts.size() - 1; i >= 0; i--) {
      try {
        contexts.get(i).close();
      } catch (RuntimeException ignored) {
        // keep closing the others
      }
    }
    contexts.clear();
  }
}
