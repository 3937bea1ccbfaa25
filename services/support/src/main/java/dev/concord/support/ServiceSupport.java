package dev.concord.support;

import io.grpc.MethodDescriptor;
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
