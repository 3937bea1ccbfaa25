package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What must hold for the default values and for values-production.yaml alike. */
class RenderedObjectsTest {

  private static final Map<String, Integer> GRPC_PORTS =
      Map.of("registry", 7700, "guild", 7710, "session", 7720, "presence", 7730, "gateway", 7740);

  static Stream<Arguments> renders() {
    return Stream.of(
        Arguments.of("default values", Chart.render()),
        Arguments.of("values-production.yaml", Chart.renderProduction()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renders")
  void render_anyValues_everyObjectIsTypedAndInTheReleaseNamespace(
      String values, Chart.Rendered rendered) {
    assertThat(rendered.objects()).isNotEmpty();
    for (HasMetadata object : rendered.objects()) {
      assertThat(object.getMetadata().getNamespace())
          .as("%s %s", object.getKind(), object.getMetadata().getName())
          .isEqualTo(Chart.NAMESPACE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renders")
  void render_anyValues_everyContainerIsHardenedAndSized(String values, Chart.Rendered rendered) {
    for (String role : Chart.ROLES) {
      PodSpec pod = rendered.podTemplate(role).getSpec();
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(role).isTrue();
      assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
      Container c = rendered.container(role);
      var sc = c.getSecurityContext();
      assertThat(sc.getRunAsNonRoot()).as(role).isTrue();
      assertThat(sc.getRunAsUser()).as(role).isEqualTo(10001L);
      assertThat(sc.getReadOnlyRootFilesystem()).as(role).isTrue();
      assertThat(sc.getAllowPrivilegeEscalation()).as(role).isFalse();
      assertThat(sc.getCapabilities().getDrop()).as(role).containsExactly("ALL");
      assertThat(sc.getSeccompProfile().getType()).as(role).isEqualTo("RuntimeDefault");
      assertThat(c.getResources().getRequests()).as(role).containsKeys("cpu", "memory");
      assertThat(c.getResources().getLimits()).as(role).containsKeys("cpu", "memory");
      // a read-only root filesystem still needs a writable /tmp
      assertThat(c.getVolumeMounts())
          .as(role)
          .anyMatch(m -> m.getMountPath().equals("/tmp") && !Boolean.TRUE.equals(m.getReadOnly()));
      assertThat(pod.getVolumes()).anyMatch(v -> v.getEmptyDir() != null);
      assertThat(c.getImage()).as(role).isEqualTo("concord/" + role + ":0.1.0");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renders")
  void render_anyValues_probesUseGrpcHealthAndActuator(String values, Chart.Rendered rendered) {
    for (String role : Chart.ROLES) {
      Container c = rendered.container(role);
      assertThat(c.getStartupProbe().getGrpc().getPort()).as(role).isEqualTo(GRPC_PORTS.get(role));
      assertThat(c.getLivenessProbe().getHttpGet().getPath())
          .as(role)
          .isEqualTo("/actuator/health/liveness");
      assertThat(c.getReadinessProbe().getHttpGet().getPath())
          .as(role)
          .isEqualTo("/actuator/health/readiness");
      Set<String> portNames =
          c.getPorts().stream().map(ContainerPort::getName).collect(Collectors.toSet());
      assertThat(portNames).as(role).contains("grpc", "management");
      assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isIn(portNames);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renders")
  void render_anyValues_everyPodKnowsItsRingIdentityAndTheRegistry(
      String values, Chart.Rendered rendered) {
    for (String role : Chart.ROLES) {
      String prefix = "CONCORD_" + role.toUpperCase() + "_";
      assertThat(rendered.env(role, prefix + "POD_ID").getValueFrom().getFieldRef().getFieldPath())
          .isEqualTo("metadata.name");
      assertThat(rendered.env(role, prefix + "ADVERTISE_ADDRESS").getValue())
          .isEqualTo("$(POD_IP):" + GRPC_PORTS.get(role));
      assertThat(rendered.env(role, "POD_IP").getValueFrom().getFieldRef().getFieldPath())
          .isEqualTo("status.podIP");
      if (!role.equals("registry")) {
        assertThat(rendered.env(role, prefix + "REGISTRY_ADDRESS").getValue())
            .isEqualTo(Chart.RELEASE + "-registry:7700");
      }
    }
    // $(POD_IP) only expands when POD_IP is defined earlier in the list
    List<String> gatewayEnv =
        rendered.container("gateway").getEnv().stream().map(e -> e.getName()).toList();
    assertThat(gatewayEnv.indexOf("POD_IP"))
        .isLessThan(gatewayEnv.indexOf("CONCORD_GATEWAY_ADVERTISE_ADDRESS"));
    assertThat(rendered.one(Service.class, Chart.RELEASE + "-registry").getSpec().getPorts())
        .anyMatch(p -> p.getPort() == 7700);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renders")
  void render_anyValues_registryWatchesEachRolesHeadlessServiceWithAGrpcPort(
      String values, Chart.Rendered rendered) {
    assertThat(rendered.env("registry", "CONCORD_REGISTRY_SOURCE").getValue())
        .isEqualTo("kubernetes");
    assertThat(
            rendered
                .env("registry", "CONCORD_REGISTRY_KUBERNETES_NAMESPACE")
                .getValueFrom()
                .getFieldRef()
                .getFieldPath())
        .isEqualTo("metadata.namespace");
    for (String role : List.of("guild", "session", "presence", "gateway")) {
      String serviceName =
          rendered.env("registry", "CONCORD_REGISTRY_KUBERNETES_SERVICES_" + role.toUpperCase())
              .getValue();
      Service headless = rendered.one(Service.class, serviceName);
      assertThat(headless.getSpec().getClusterIP()).as(serviceName).isEqualTo("None");
      assertThat(headless.getSpec().getPublishNotReadyAddresses()).as(serviceName).isFalse();
      assertThat(headless.getSpec().getSelector())
          .containsEntry("app.kubernetes.io/component", role);
      assertThat(rendered.podTemplate(role).getMetadata().getLabels())
          .as("%s selects the %s pods", serviceName, role)
          .containsAllEntriesOf(headless.getSpec().getSelector());
      ServicePort grpc =
          headless.getSpec().getPorts().stream()
              .filter(p -> "grpc".equals(p.getName()))
              .findFirst()
              .orElseThrow(() -> new AssertionError(serviceName + " has no port named grpc"));
      assertThat(grpc.getPort()).isEqualTo(GRPC_PORTS.get(role));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renders")
  void render_anyValues_everyRoleHasADisruptionBudgetAndANetworkPolicy(
      String values, Chart.Rendered rendered) {
    for (String role : Chart.ROLES) {
      Map<String, String> podLabels = rendered.podTemplate(role).getMetadata().getLabels();
      PodDisruptionBudget pdb = rendered.one(PodDisruptionBudget.class, Chart.RELEASE + "-" + role);
      assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
      NetworkPolicy policy = rendered.one(NetworkPolicy.class, Chart.RELEASE + "-" + role);
      assertThat(podLabels).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
      assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renders")
  void render_anyValues_networkPoliciesOpenExactlyTheCallPaths(
      String values, Chart.Rendered rendered) {
    Map<String, Set<String>> callers =
        Map.of(
            "registry", Set.of("guild", "session", "presence", "gateway"),
            "guild", Set.of("session", "presence", "guild", "gateway"),
            "session", Set.of("gateway", "guild"),
            "presence", Set.of("session"),
            "gateway", Set.of("session", "gateway"));
    for (String callee : Chart.ROLES) {
      NetworkPolicy policy = rendered.one(NetworkPolicy.class, Chart.RELEASE + "-" + callee);
      Set<String> allowedIn =
          policy.getSpec().getIngress().stream()
              .filter(r -> r.getPorts().stream().anyMatch(p -> "grpc".equals(p.getPort().getStrVal())))
              .flatMap(r -> r.getFrom().stream())
              .map(RenderedObjectsTest::component)
              .collect(Collectors.toSet());
      assertThat(allowedIn).as("who may call %s", callee).isEqualTo(callers.get(callee));
      for (String caller : callers.get(callee)) {
        NetworkPolicy out = rendered.one(NetworkPolicy.class, Chart.RELEASE + "-" + caller);
        assertThat(out.getSpec().getEgress())
            .as("%s may reach %s:%d", caller, callee, GRPC_PORTS.get(callee))
            .anyMatch(
                r ->
                    r.getTo().stream().anyMatch(p -> callee.equals(component(p)))
                        && r.getPorts().stream()
                            .anyMatch(p -> GRPC_PORTS.get(callee).equals(p.getPort().getIntVal())));
      }
    }
    List<NetworkPolicyIngressRule> gatewayIn =
        rendered.one(NetworkPolicy.class, Chart.RELEASE + "-gateway").getSpec().getIngress();
    assertThat(gatewayIn)
        .as("clients reach the gateway's port 8080 from anywhere")
        .anyMatch(
            r ->
                (r.getFrom() == null || r.getFrom().isEmpty())
                    && r.getPorts().stream().anyMatch(p -> "http".equals(p.getPort().getStrVal())));
    assertThat(
            rendered.one(NetworkPolicy.class, Chart.RELEASE + "-guild").getSpec().getEgress())
        .as("guild reaches PostgreSQL")
        .anyMatch(r -> r.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == 5432));
    assertThat(
            rendered.one(NetworkPolicy.class, Chart.RELEASE + "-registry").getSpec().getEgress())
        .as("registry reaches the Kubernetes API")
        .anyMatch(r -> r.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == 443));
  }

  private static String component(NetworkPolicyPeer peer) {
    if (peer.getPodSelector() == null || peer.getNamespaceSelector() != null) {
      return "<not a pod of this release>";
    }
    Map<String, String> labels = peer.getPodSelector().getMatchLabels();
    return Chart.RELEASE.equals(labels.get("app.kubernetes.io/instance"))
        ? labels.get("app.kubernetes.io/component")
        : "<not a pod of this release>";
  }
}
