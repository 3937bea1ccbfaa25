package dev.concord.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Renders the Concord chart with real Helm (helm-java runs Helm as a native library inside this
 * JVM, so no helm binary is needed) and writes the plain manifests under {@code k8s/}.
 *
 * <p>{@code k8s/concord.yaml} is the chart rendered with its default values for release {@value
 * #RELEASE} in namespace {@value #NAMESPACE}, behind a header saying so. The same method produces
 * it for {@code make k8s-manifests} and for the test that fails when the committed file is stale,
 * so the chart stays the single source of deploy truth.
 */
public final class ChartRenderer {

  public static final String RELEASE = "concord";
  public static final String NAMESPACE = "concord";
  public static final String PLAIN_MANIFESTS = "concord.yaml";

  /**
   * The cluster version rendered for. helm-java's Helm library defaults to v1.20, below the chart's
   * kubeVersion constraint; the templates do not branch on it, so it only has to satisfy that.
   */
  public static final String KUBE_VERSION = "v1.33.0";

  private final Path chartDir;

  public ChartRenderer(Path chartDir) {
    if (!Files.isRegularFile(chartDir.resolve("Chart.yaml"))) {
      throw new IllegalArgumentException("not a chart directory (no Chart.yaml): " + chartDir);
    }
    this.chartDir = chartDir;
  }

  /** {@code helm template RELEASE CHART -n NAMESPACE [-f file]... [--set k=v]...}. */
  public String template(
      String release, String namespace, List<Path> valuesFiles, Map<String, ?> values) {
    TemplateCommand command =
        new Helm(chartDir).template()
            .withName(release)
            .withNamespace(namespace)
            .withKubeVersion(KUBE_VERSION);
    valuesFiles.forEach(command::withValuesFile);
    values.forEach(command::set);
    return command.call();
  }

  /** The content of {@code k8s/concord.yaml}: the default render behind its header. */
  public String plainManifests() {
    return header() + template(RELEASE, NAMESPACE, List.of(), Map.of());
  }

  private static String header() {
    return """
        # GENERATED from helm/concord by `make k8s-manifests`: do not edit by hand. Change the chart
        # and regenerate (the chart tests in `make test` fail while this file is stale).
        # It is the chart rendered with its default values, release "%s", namespace "%s".
        #
        # Before `kubectl apply -f k8s/concord.yaml`, create the namespace and the two Secrets that
        # the defaults refer to (no key material is ever written here), and make PostgreSQL reachable
        # as host "postgresql" in the namespace (or render the chart with your own values instead):
        #   kubectl create namespace %2$s
        #   kubectl -n %2$s create secret generic concord-gateway-token \\
        #     --from-literal=token-secret="$(openssl rand -base64 48)"
        #   kubectl -n %2$s create secret generic concord-postgresql \\
        #     --from-literal=username=concord --from-literal=password='...'
        """
        .formatted(RELEASE, NAMESPACE);
  }

  /** Writes {@code k8s/concord.yaml}. Arguments: the chart directory and the k8s directory. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: ChartRenderer <chart dir> <k8s dir>");
      System.exit(2);
    }
    Path out = Path.of(args[1]).resolve(PLAIN_MANIFESTS);
    Files.createDirectories(out.getParent());
    Files.writeString(out, new ChartRenderer(Path.of(args[0])).plainManifests());
    System.out.println("wrote " + out.toAbsolutePath().normalize());
  }
}
