package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The chart under test, rendered with real Helm, and lookups into what it rendered. */
final class Chart {

  static final String RELEASE = "chat";
  static final String NAMESPACE = "concord-test";
  static final List<String> ROLES = List.of("registry", "guild", "session", "presence", "gateway");

  static final Path DIR = Path.of(System.getProperty("concord.chart.dir", "concord"));
  static final Path PRODUCTION_VALUES = DIR.resolve("values-production.yaml");
  static final ChartRenderer RENDERER = new ChartRenderer(DIR);

  private Chart() {}

  /** helm template with the chart's defaults plus {@code --set} values (key, value pairs). */
  static String template(Object... keyValues) {
    return RENDERER.template(RELEASE, NAMESPACE, List.of(), sets(keyValues));
  }

  static String templateProduction(Object... keyValues) {
    return RENDERER.template(RELEASE, NAMESPACE, List.of(PRODUCTION_VALUES), sets(keyValues));
  }

  /** What {@code helm install} prints after installing: the rendered NOTES.txt. */
  static String notes(Object... keyValues) {
    var install =
        new Helm(DIR)
            .install()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(ChartRenderer.KUBE_VERSION)
            .clientOnly()
            .dryRun();
    sets(keyValues).forEach(install::set);
    String output = install.call().getOutput();
    return output.substring(output.indexOf("NOTES:"));
  }

  static Rendered render(Object... keyValues) {
    return new Rendered(KubernetesObjects.parseAll(template(keyValues)));
  }

  static Rendered renderProduction(Object... keyValues) {
    return new Rendered(KubernetesObjects.parseAll(templateProduction(keyValues)));
  }

  private static Map<String, Object> sets(Object... keyValues) {
    Map<String, Object> sets = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      sets.put((String) keyValues[i], keyValues[i + 1]);
    }
    return sets;
  }

  record Rendered(List<HasMetadata> objects) {

    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
      return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
      return find(type, name)
          .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    /** The pod template of a role's workload (guild: StatefulSet, the others: Deployment). */
    PodTemplateSpec podTemplate(String role) {
      String name = RELEASE + "-" + role;
      return role.equals("guild")
          ? one(StatefulSet.class, name).getSpec().getTemplate()
          : one(Deployment.class, name).getSpec().getTemplate();
    }

    Container container(String role) {
      List<Container> containers = podTemplate(role).getSpec().getContainers();
      assertThat(containers).hasSize(1);
      return containers.getFirst();
    }

    EnvVar env(String role, String name) {
      return container(role).getEnv().stream()
          .filter(e -> e.getName().equals(name))
          .findFirst()
          .orElseThrow(() -> new AssertionError(role + " has no env " + name));
    }
  }
}
