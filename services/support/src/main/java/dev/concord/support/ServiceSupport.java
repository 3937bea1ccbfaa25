package dev.concord.support;

import dev.concord.tracing.FanoutSampling;
import dev.concord.tracing.Tracing;
import io.grpc.MethodDescriptor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import io.micrometer.core.instrument.binder.grpc.GrpcServerObservationContext;
import io.micrometer.observation.ObservationPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/** Configuration every Concord service imports. */
@Configuration(proxyBeanMethods = false)
public class ServiceSupport {
  /**
   * Reactor Netty event loops owned by this application context instead of the JVM-global ones.
   * With global resources, stopping one service in a shared JVM (the dev suite, the tests that
   * shut a gateway down) would dispose the event loops of every other service's server with it.
   */
  @Bean
  ReactorResourceFactory reactorResourceFactory() {
    ReactorResourceFactory f = new ReactorResourceFactory();
    f.setUseGlobalResources(false);
    return f;
  }

  /**
   * This service's tracer ({@code concord.tracing.*}, off by default; see docs/OPERATIONS.md).
   * A {@link SpanExporter} bean in the context (tests) takes every span as it ends, whatever the
   * mode, synchronously on the thread that ends it: for tests only, not for production export.
   */
  @Bean(destroyMethod = "close")
  Tracing tracing(Environment env, ObjectProvider<SpanExporter> exporter) {
    String service = env.getProperty("spring.config.name", "concord");
    double rate = env.getProperty("concord.tracing.sample-rate", Double.class, 0.01);
    String curve = env.getProperty("concord.tracing.fanout-sampling");
    FanoutSampling fanout = curve == null ? FanoutSampling.DEFAULT : FanoutSampling.parse(curve);
    SpanExporter given = exporter.getIfAvailable();
    if (given != null) {
      return Tracing.exportingTo(service, given, rate, fanout);
    }
    Tracing.Settings settings =
        new Tracing.Settings(
            Tracing.Mode.parse(env.getProperty("concord.tracing.mode", "off")),
            rate,
            env.getProperty("concord.tracing.otlp-endpoint", ""),
            fanout,
            env.getProperty("concord.tracing.max-queued-spans", Integer.class, 8192));
    Tracing tracing = Tracing.create(service, settings);
    if (tracing.enabled()) {
      LoggerFactory.getLogger(ServiceSupport.class)
          .info("tracing on: {} spans, head sampling {}, fanout sampling {}", settings.mode(), rate, fanout);
    }
    return tracing;
  }

  /**
   * Observes unary gRPC calls only. A streaming call (the gateway link, the relay streams, leases,
   * ring watches) lives as long as its peer, so its timer says nothing, and Micrometer's
   * instrumentation adds an observation event and scope to every message: in a connect storm's
   * profile that was most of the observation cost (and it ran per batch on every delivery). The
   * streams are measured by Concord's own metrics (batches, items, queue depths) instead.
   */
  @Bean
  ObservationPredicate unaryGrpcObservationsOnly() {
    return (name, context) ->
        !(context instanceof GrpcServerObservationContext grpc && grpc.getMethodType() != MethodDescriptor.MethodType.UNARY);
  }
}
