package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** values.schema.json turns a wrong value into a failed install, not a half-working release. */
class ValuesSchemaTest {

  @Test
  void schema_stringForReplicas_fails() {
    assertThatThrownBy(() -> Chart.template("session.replicas", "three"))
        .hasMessageContaining("/session/replicas")
        .hasMessageContaining("want integer");
  }

  @Test
  void schema_unknownTopLevelKey_fails() {
    assertThatThrownBy(() -> Chart.template("replicaCount", 3))
        .hasMessageContaining("additional properties 'replicaCount' not allowed");
  }

  @Test
  void schema_misspelledNestedKey_fails() {
    assertThatThrownBy(() -> Chart.template("gateway.drainTimeout", "30s"))
        .hasMessageContaining("additional properties 'drainTimeout' not allowed");
  }

  @Test
  void schema_unknownSslmode_fails() {
    assertThatThrownBy(() -> Chart.template("postgresql.sslmode", "on"))
        .hasMessageContaining("/postgresql/sslmode");
  }

  @Test
  void schema_httpPublicUrl_fails() {
    assertThatThrownBy(() -> Chart.template("gateway.publicUrl", "http://chat.example.com"))
        .hasMessageContaining("/gateway/publicUrl");
  }

  @Test
  void schema_emptyMemoryLimit_fails() {
    assertThatThrownBy(() -> Chart.template("presence.resources.limits.memory", ""))
        .hasMessageContaining("/presence/resources/limits/memory");
  }

  @Test
  void schema_validOverrides_render() {
    assertThat(
            Chart.template(
                "session.replicas", 5,
                "postgresql.sslmode", "verify-full",
                "gateway.publicUrl", "wss://chat.example.com"))
        .contains("verify-full");
  }
}
