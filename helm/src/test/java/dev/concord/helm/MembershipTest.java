package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ring membership: the registry's sources and permissions, the guild pods' node ids. */
class MembershipTest {

  @Test
  void registry_kubernetesSource_mayReadEndpointsSlicesPodsAndServices() {
    Chart.Rendered rendered = Chart.render();
    String name = Chart.RELEASE + "-registry";

    List<PolicyRule> rules = rendered.one(Role.class, name).getRules();
    for (String resource : List.of("endpoints", "pods", "services")) {
      assertThat(rules)
          .as(resource)
          .anyMatch(
              r ->
                  r.getApiGroups().contains("")
                      && r.getResources().contains(resource)
                      && r.getVerbs().containsAll(List.of("get", "list", "watch")));
    }
    assertThat(rules)
        .anyMatch(
            r ->
                r.getApiGroups().contains("discovery.k8s.io")
                    && r.getResources().contains("endpointslices")
                    && r.getVerbs().containsAll(List.of("get", "list", "watch")));
    assertThat(rules)
        .as("read-only")
        .allSatisfy(r -> assertThat(r.getVerbs()).containsOnly("get", "list", "watch"));

    RoleBinding binding = rendered.one(RoleBinding.class, name);
    assertThat(binding.getRoleRef().getName()).isEqualTo(name);
    assertThat(binding.getSubjects()).singleElement()
        .satisfies(
            s -> {
              assertThat(s.getName()).isEqualTo(name);
              assertThat(s.getNamespace()).isEqualTo(Chart.NAMESPACE);
            });
    rendered.one(ServiceAccount.class, name);
    assertThat(rendered.podTemplate("registry").getSpec().getServiceAccountName()).isEqualTo(name);
    for (String role : List.of("guild", "session", "presence", "gateway")) {
      assertThat(rendered.podTemplate(role).getSpec().getAutomountServiceAccountToken())
          .as("%s gets no API token", role)
          .isFalse();
    }
  }

  @Test
  void registry_kubernetesSource_runsSeveralReplicas() {
    Chart.Rendered rendered = Chart.render("registry.replicas", 3);

    assertThat(rendered.one(Deployment.class, Chart.RELEASE + "-registry").getSpec().getReplicas())
        .isEqualTo(3);
  }

  @Test
  void registry_leaseSource_oneReplicaNoApiAccessNeverTwoAtOnce() {
    Chart.Rendered rendered = Chart.render("registry.source", "lease");

    assertThat(rendered.env("registry", "CONCORD_REGISTRY_SOURCE").getValue()).isEqualTo("lease");
    assertThat(rendered.all(Role.class)).isEmpty();
    Deployment registry = rendered.one(Deployment.class, Chart.RELEASE + "-registry");
    assertThat(registry.getSpec().getReplicas()).isEqualTo(1);
    assertThat(registry.getSpec().getStrategy().getType()).isEqualTo("Recreate");
  }

  @Test
  void registry_leaseSourceWithThreeReplicas_failsRendering() {
    assertThatThrownBy(() -> Chart.template("registry.source", "lease", "registry.replicas", 3))
        .hasMessageContaining("/registry/replicas");
  }

  @Test
  void guild_anyReplicas_nodeIdIsThePodsStatefulSetIndex() {
    Chart.Rendered rendered = Chart.render("guild.replicas", 4);

    StatefulSet guild = rendered.one(StatefulSet.class, Chart.RELEASE + "-guild");
    assertThat(guild.getSpec().getReplicas()).isEqualTo(4);
    assertThat(guild.getSpec().getServiceName()).isEqualTo(Chart.RELEASE + "-guild-headless");
    assertThat(
            rendered.env("guild", "CONCORD_GUILD_NODE").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.labels['apps.kubernetes.io/pod-index']");
  }

  @Test
  void guild_moreReplicasThanSnowflakeNodes_failsRendering() {
    assertThatThrownBy(() -> Chart.template("guild.replicas", 1025))
        .hasMessageContaining("/guild/replicas");
  }
}
