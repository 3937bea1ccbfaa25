package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.Test;

/** The strict parser the chart checks rely on: it must reject what a cluster would reject. */
class KubernetesObjectsTest {

  @Test
  void parse_knownKindAndFields_returnsTypedObject() {
    var object =
        KubernetesObjects.parse(
            """
            apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec: {ports: [{name: grpc, port: 7700}]}
            """);

    assertThat(object).isInstanceOf(Service.class);
  }

  @Test
  void parse_misspelledField_fails() {
    assertThatThrownBy(
            () ->
                KubernetesObjects.parse(
                    """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: s}
                    spec: {ports: [{name: grpc, prot: 7700}]}
                    """))
        .hasMessageContaining("Service/s.spec.ports[0].prot");
  }

  @Test
  void parse_unknownKind_fails() {
    assertThatThrownBy(
            () ->
                KubernetesObjects.parse(
                    """
                    apiVersion: example.com/v1
                    kind: Widget
                    metadata: {name: w}
                    """))
        .hasMessageContaining("unknown kind");
  }

  @Test
  void parse_wrongValueType_fails() {
    assertThatThrownBy(
            () ->
                KubernetesObjects.parse(
                    """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: d}
                    spec: {replicas: three}
                    """))
        .hasMessageContaining("not a valid Kubernetes object");
  }
}
