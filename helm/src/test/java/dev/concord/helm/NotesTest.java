package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What an operator reads right after `helm install`. */
class NotesTest {

  @Test
  void notes_existingSecrets_sayHowToCreateThemAndHowToConnect() {
    String notes = Chart.notes();

    assertThat(notes)
        .contains("kubectl -n " + Chart.NAMESPACE + " create secret generic concord-gateway-token")
        .contains("kubectl -n " + Chart.NAMESPACE + " create secret generic concord-postgresql")
        .contains("ws://127.0.0.1:8080/?v=10&encoding=json")
        .contains("port-forward svc/" + Chart.RELEASE + "-gateway 8080:8080");
  }

  @Test
  void notes_chartMadeSecretsAndIngress_saySoAndNameTheWssUrl() {
    String notes =
        Chart.notes(
            "gateway.tokenSecret.value", "k".repeat(32),
            "postgresql.password", "pw",
            "gateway.ingress.enabled", true,
            "gateway.publicUrl", "wss://chat.example.com");

    assertThat(notes)
        .doesNotContain("create secret")
        .contains("wss://chat.example.com/?v=10&encoding=json")
        .doesNotContain("port-forward");
  }
}
