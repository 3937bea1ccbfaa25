package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import org.junit.jupiter.api.Test;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The tracing switch, the Grafana dashboard and the gateway's limits, as the chart renders them. */
class OptionalValuesTest {

  @Test
  void tracing_offByDefault_noTracingEnv() {
    Chart.Rendered rendered = Chart.render();
    for (String role : Chart.ROLES) {
      assertThat(rendered.container(role).getEnv()).extracting(EnvVar::getName).noneMatch(n -> n.startsWith("CONCORD_TRACING_"));
    }
  }

  @Test
  void tracing_otlp_everyRoleGetsTheEndpointAndRates() {
    Chart.Rendered rendered =
        Chart.render(
            "tracing.mode", "otlp",
            "tracing.otlpEndpoint", "http://otel-collector.monitoring:4318/v1/traces",
            "tracing.sampleRate", "0.05");
    for (String role : Chart.ROLES) {
      assertThat(rendered.env(role, "CONCORD_TRACING_MODE").getValue()).isEqualTo("otlp");
      assertThat(rendered.env(role, "CONCORD_TRACING_OTLP_ENDPOINT").getValue())
          .isEqualTo("http://otel-collector.monitoring:4318/v1/traces");
      assertThat(rendered.env(role, "CONCORD_TRACING_SAMPLE_RATE").getValue()).isEqualTo("0.05");
      assertThat(rendered.env(role, "CONCORD_TRACING_FANOUT_SAMPLING").getValue()).isEqualTo("1:1,100:0.1,10000:0.001");
      assertThat(rendered.env(role, "CONCORD_TRACING_MAX_QUEUED_SPANS").getValue()).isEqualTo("8192");
    }
  }

  @Test
  void tracing_otlpWithoutEndpoint_orUnknownMode_fails() {
    assertThatThrownBy(() -> Chart.template("tracing.mode", "otlp")).hasMessageContaining("/tracing/otlpEndpoint");
    assertThatThrownBy(() -> Chart.template("tracing.mode", "jaeger")).hasMessageContaining("/tracing/mode");
    assertThatThrownBy(() -> Chart.template("tracing.sampleRate", 2)).hasMessageContaining("/tracing/sampleRate");
  }

  @Test
  void dashboard_enabled_isAConfigMapTheSidecarFinds() throws Exception {
    assertThat(Chart.render().all(ConfigMap.class)).noneMatch(c -> c.getMetadata().getName().endsWith("-dashboard"));
    Chart.Rendered rendered = Chart.render("grafanaDashboard.enabled", true);
    ConfigMap dashboard = rendered.find(ConfigMap.class, Chart.RELEASE + "-dashboard").orElseThrow();
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("concord.json"));
    assertThat(json.path("uid").asText()).isEqualTo("concord-overview");
    assertThat(json.path("panels").size()).isGreaterThanOrEqualTo(6);
    for (JsonNode panel : json.path("panels")) {
      assertThat(panel.path("targets").size()).as(panel.path("title").asText()).isPositive();
    }
  }

  @Test
  void gatewayLimits_reachTheGatewayAsEnv_andBadOnesFail() {
    Chart.Rendered defaults = Chart.render();
    assertThat(defaults.env("gateway", "CONCORD_GATEWAY_MAX_CONNECTIONS").getValue()).isEqualTo("50000");
    assertThat(defaults.env("gateway", "CONCORD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS").getValue()).isEqualTo("1000");
    assertThat(defaults.env("gateway", "CONCORD_GATEWAY_IDENTIFY_TIMEOUT").getValue()).isEqualTo("20s");
    Chart.Rendered off = Chart.render("gateway.limits.maxConnectionsPerAddress", 0);
    assertThat(off.env("gateway", "CONCORD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS").getValue()).isEqualTo("0");
    assertThatThrownBy(() -> Chart.template("gateway.limits.maxConnections", -1)).hasMessageContaining("/gateway/limits/maxConnections");
    assertThatThrownBy(() -> Chart.template("gateway.limits.identifyTimeout", "soon")).hasMessageContaining("/gateway/limits/identifyTimeout");
  }
}
