package dev.concord.support;

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
}
