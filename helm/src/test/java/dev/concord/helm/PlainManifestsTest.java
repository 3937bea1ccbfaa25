package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** k8s/ holds the chart rendered with its defaults; it must never drift from the chart. */
class PlainManifestsTest {

  private static final Path PLAIN =
      Path.of(System.getProperty("concord.k8s.dir", "../k8s")).resolve(ChartRenderer.PLAIN_MANIFESTS);

  @Test
  void k8sManifests_comparedWithAFreshRender_areUpToDate() throws IOException {
    assertThat(PLAIN).exists();
    String committed = Files.readString(PLAIN);

    assertThat(committed)
        .as("k8s/concord.yaml is stale: run `make k8s-manifests` and commit the result")
        .isEqualTo(Chart.RENDERER.plainManifests());
  }

  @Test
  void k8sManifests_parsed_holdEveryWorkloadAndNoSecretMaterial() throws IOException {
    Chart.Rendered plain = new Chart.Rendered(KubernetesObjects.parseAll(Files.readString(PLAIN)));

    assertThat(plain.all(Deployment.class)).hasSize(4);
    assertThat(plain.all(StatefulSet.class)).hasSize(1);
    assertThat(plain.objects())
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(ChartRenderer.NAMESPACE));
    assertThat(plain.all(io.fabric8.kubernetes.api.model.Secret.class)).isEmpty();
  }
}
