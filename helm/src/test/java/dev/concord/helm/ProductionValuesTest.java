package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.Test;

/** What an operator installing with values-production.yaml gets. */
class ProductionValuesTest {

  private final Chart.Rendered rendered = Chart.renderProduction();

  @Test
  void production_everyRole_runsThreePods() {
    for (String role : Chart.ROLES) {
      assertThat(replicas(role)).as(role).isEqualTo(3);
    }
  }

  @Test
  void production_gateway_isAutoscaledFromThreePodsAndTheHpaOwnsTheCount() {
    HorizontalPodAutoscaler hpa =
        rendered.one(HorizontalPodAutoscaler.class, Chart.RELEASE + "-gateway");
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(Chart.RELEASE + "-gateway");
    assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());
    // a replica count in the Deployment would fight the HPA on every upgrade
    assertThat(rendered.one(Deployment.class, Chart.RELEASE + "-gateway").getSpec().getReplicas())
        .isNull();
  }

  @Test
  void production_ingress_terminatesTlsAndKeepsWebSocketsOpen() {
    Ingress ingress = rendered.one(Ingress.class, Chart.RELEASE + "-gateway");
    assertThat(ingress.getSpec().getTls()).singleElement()
        .satisfies(tls -> assertThat(tls.getHosts()).containsExactly("chat.example.com"));
    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "3600");
    var backend = ingress.getSpec().getRules().getFirst().getHttp().getPaths().getFirst();
    assertThat(backend.getBackend().getService().getName()).isEqualTo(Chart.RELEASE + "-gateway");
    assertThat(rendered.env("gateway", "CONCORD_GATEWAY_PUBLIC_URL").getValue())
        .isEqualTo("wss://chat.example.com");
  }

  @Test
  void production_guild_usesTheExternalDatabaseOverTls() {
    assertThat(rendered.env("guild", "SPRING_DATASOURCE_URL").getValue())
        .isEqualTo("jdbc:postgresql://concord-db.example.internal:5432/concord?sslmode=require");
    assertThat(
            rendered.env("guild", "SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef()
                .getName())
        .isEqualTo("concord-postgresql");
  }

  @Test
  void production_serviceMonitor_scrapesEveryRolesActuator() {
    ServiceMonitor monitor = rendered.one(ServiceMonitor.class, Chart.RELEASE);
    assertThat(monitor.getSpec().getEndpoints()).singleElement()
        .satisfies(
            e -> {
              assertThat(e.getPath()).isEqualTo("/actuator/prometheus");
              assertThat(e.getPort()).isEqualTo("management");
            });
    var selector = monitor.getSpec().getSelector().getMatchLabels();
    long scraped =
        rendered.all(io.fabric8.kubernetes.api.model.Service.class).stream()
            .filter(s -> s.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
            .filter(s -> s.getSpec().getPorts().stream().anyMatch(p -> "management".equals(p.getName())))
            .count();
    assertThat(scraped).as("one scraped Service per role").isEqualTo(Chart.ROLES.size());
  }

  private int replicas(String role) {
    String name = Chart.RELEASE + "-" + role;
    if (role.equals("guild")) {
      return rendered.one(StatefulSet.class, name).getSpec().getReplicas();
    }
    Integer replicas = rendered.one(Deployment.class, name).getSpec().getReplicas();
    if (replicas != null) {
      return replicas;
    }
    return rendered.one(HorizontalPodAutoscaler.class, name).getSpec().getMinReplicas();
  }
}
