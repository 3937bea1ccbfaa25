package dev.concord.registry.config;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Leaves Spring Cloud Kubernetes' auto-configuration out of every application context whose {@code
 * concord.registry.source} is not {@code kubernetes}.
 *
 * <p>Why: the registry's jar brings Spring Cloud Kubernetes to every JVM that holds the registry,
 * including the dev suite, where all services share one classpath. Its auto-configuration would
 * otherwise switch on wherever the cloud platform looks like Kubernetes (a lease-source registry or
 * the dev suite run in a pod): it would build a client and a health indicator that asks the API
 * server for the current pod on every health check. With this gate nothing of it is even evaluated
 * unless the Kubernetes membership source is chosen; off Kubernetes its own cloud-platform
 * conditions keep it off as well.
 *
 * <p>Registered in {@code META-INF/spring.factories}; Boot runs import filters on class names
 * before loading any auto-configuration class.
 */
public final class KubernetesAutoConfigurationGate implements AutoConfigurationImportFilter, EnvironmentAware {
  static final String GATED_PACKAGE = "org.springframework.cloud.kubernetes.";

  private @Nullable Environment environment;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public boolean[] match(@Nullable String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
    boolean kubernetesSource =
        environment != null && "kubernetes".equalsIgnoreCase(environment.getProperty("concord.registry.source", "").trim());
    boolean[] keep = new boolean[autoConfigurationClasses.length];
    for (int i = 0; i < keep.length; i++) {
      String name = autoConfigurationClasses[i];
      keep[i] = kubernetesSource || name == null || !name.startsWith(GATED_PACKAGE);
    }
    return keep;
  }
}
