package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodSpec;
import org.junit.jupiter.api.Test;

/**
 * A redeployed gateway sends op 7 RECONNECT and waits for its clients to resume elsewhere; the pod
 * must live long enough for that, after endpoints have stopped sending it new connections.
 */
class GatewayShutdownTest {

  @Test
  void gateway_defaults_gracePeriodOutlastsPreStopPlusDrain() {
    Chart.Rendered rendered = Chart.render();
    PodSpec pod = rendered.podTemplate("gateway").getSpec();
    long preStop =
        rendered.container("gateway").getLifecycle().getPreStop().getSleep().getSeconds();
    assertThat(preStop).isPositive();
    assertThat(rendered.env("gateway", "CONCORD_GATEWAY_DRAIN_TIMEOUT").getValue())
        .isEqualTo("10s");
    assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(preStop + 10);
  }

  @Test
  void gateway_longerDrain_growsGracePeriodAndSpringShutdownPhase() {
    Chart.Rendered rendered = Chart.render("gateway.drainTimeoutSeconds", 60);

    assertThat(rendered.env("gateway", "CONCORD_GATEWAY_DRAIN_TIMEOUT").getValue())
        .isEqualTo("60s");
    assertThat(
            rendered.env("gateway", "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE").getValue())
        .isEqualTo("70s");
    assertThat(rendered.podTemplate("gateway").getSpec().getTerminationGracePeriodSeconds())
        .isGreaterThan(70L);
  }

  @Test
  void gateway_gracePeriodShorterThanDrain_failsRendering() {
    assertThatThrownBy(() -> Chart.template("gateway.terminationGracePeriodSeconds", 12))
        .hasMessageContaining("gateway.terminationGracePeriodSeconds (12) must be greater than");
  }
}
