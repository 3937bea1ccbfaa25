package dev.concord.registry.config;

import dev.concord.proto.common.v1.Role;
import dev.concord.registry.membership.EndpointsMembership;
import dev.concord.registry.membership.Membership;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Kubernetes membership source ({@code concord.registry.source: kubernetes}). The client is the
 * one Spring Cloud Kubernetes configures (fabric8 flavour: in a pod, the service account's token,
 * CA and namespace; {@code spring.cloud.kubernetes.client.*} overrides). Its auto-configuration is
 * only imported when this source is chosen ({@link KubernetesAutoConfigurationGate}) and, as
 * always with Spring Cloud Kubernetes, only on Kubernetes (or with {@code
 * spring.main.cloud-platform=kubernetes}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "concord.registry.source", havingValue = "kubernetes")
class KubernetesSourceConfig {
  private static final Logger log = LoggerFactory.getLogger(KubernetesSourceConfig.class);

  /** Built before the gRPC server starts: the first ring any pod sees is the cluster's. */
  @Bean(destroyMethod = "close")
  EndpointsMembership endpointsMembership(
      Membership membership, ObjectProvider<KubernetesClient> clients, RegistryProperties props)
      throws InterruptedException {
    KubernetesClient client = clients.getIfAvailable();
    if (client == null) {
      throw new IllegalStateException(
          "concord.registry.source=kubernetes needs the Kubernetes API, but no Kubernetes client is configured:"
              + " Spring Cloud Kubernetes configures one only on Kubernetes (KUBERNETES_SERVICE_HOST set) or with"
              + " spring.main.cloud-platform=kubernetes (then spring.cloud.kubernetes.client.master-url or a"
              + " kubeconfig says where the API server is)");
    }
    RegistryProperties.Kubernetes k8s = props.kubernetes();
    String namespace = k8s.namespace().isBlank() ? client.getNamespace() : k8s.namespace();
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalStateException(
          "concord.registry.kubernetes.namespace is empty and the Kubernetes client names no namespace");
    }
    Map<Role, String> services = new EnumMap<>(Role.class);
    k8s.services().forEach((role, service) -> {
      if (!service.isBlank()) {
        services.put(Membership.parseRole(role), service.trim());
      }
    });
    if (services.isEmpty()) {
      throw new IllegalStateException(
          "concord.registry.source=kubernetes needs concord.registry.kubernetes.services.<role> (the headless"
              + " Service of guild, session, presence, gateway)");
    }
    for (Role role : Membership.servedRoles()) {
      if (!services.containsKey(role)) {
        log.warn("no headless Service configured for {}: its ring stays empty", role);
      }
    }
    EndpointsMembership source = new EndpointsMembership(membership, client, namespace, services, k8s.portName());
    source.start(k8s.initialSyncTimeout());
    return source;
  }
}
