package dev.concord.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretsTest {

  private static final String KEY = "k".repeat(40);

  @Test
  void existingSecrets_defaults_noSecretIsRenderedAndPodsReferToTheOperatorsSecrets() {
    Chart.Rendered rendered = Chart.render();

    assertThat(rendered.all(Secret.class)).isEmpty();
    assertThat(Chart.template()).doesNotContain("token-secret: ").doesNotContain("password: ");
    assertSecretRef(
        rendered.env("gateway", "CONCORD_GATEWAY_TOKEN_SECRET"), "concord-gateway-token",
        "token-secret");
    assertSecretRef(
        rendered.env("guild", "SPRING_DATASOURCE_USERNAME"), "concord-postgresql", "username");
    assertSecretRef(
        rendered.env("guild", "SPRING_DATASOURCE_PASSWORD"), "concord-postgresql", "password");
  }

  @Test
  void existingSecrets_customKeys_podsUseThoseKeys() {
    Chart.Rendered rendered =
        Chart.render(
            "gateway.tokenSecret.existingSecret", "vault-token",
            "gateway.tokenSecret.existingSecretKey", "hs256",
            "postgresql.existingSecret", "db",
            "postgresql.existingSecretPasswordKey", "pw");

    assertThat(rendered.all(Secret.class)).isEmpty();
    assertSecretRef(rendered.env("gateway", "CONCORD_GATEWAY_TOKEN_SECRET"), "vault-token", "hs256");
    assertSecretRef(rendered.env("guild", "SPRING_DATASOURCE_PASSWORD"), "db", "pw");
  }

  @Test
  void values_given_chartCreatesSecretsAndPodsRollWhenTheyChange() {
    Chart.Rendered rendered =
        Chart.render(
            "gateway.tokenSecret.value", KEY,
            "postgresql.username", "app",
            "postgresql.password", "s3cret");

    Secret token = rendered.one(Secret.class, Chart.RELEASE + "-gateway-token");
    assertThat(decode(token.getData().get("token-secret"))).isEqualTo(KEY);
    assertSecretRef(
        rendered.env("gateway", "CONCORD_GATEWAY_TOKEN_SECRET"), Chart.RELEASE + "-gateway-token",
        "token-secret");
    Secret db = rendered.one(Secret.class, Chart.RELEASE + "-postgresql");
    assertThat(decode(db.getData().get("username"))).isEqualTo("app");
    assertThat(decode(db.getData().get("password"))).isEqualTo("s3cret");
    assertSecretRef(
        rendered.env("guild", "SPRING_DATASOURCE_PASSWORD"), Chart.RELEASE + "-postgresql",
        "password");

    String checksum =
        rendered.podTemplate("gateway").getMetadata().getAnnotations().get("checksum/secret");
    String otherChecksum =
        Chart.render("gateway.tokenSecret.value", "x".repeat(40))
            .podTemplate("gateway").getMetadata().getAnnotations().get("checksum/secret");
    assertThat(checksum).isNotBlank().isNotEqualTo(otherChecksum);
  }

  @Test
  void tokenSecret_neitherValueNorExistingSecret_failsSayingWhatToSet() {
    assertThatThrownBy(() -> Chart.template("gateway.tokenSecret.existingSecret", ""))
        .hasMessageContaining("gateway.tokenSecret.existingSecret")
        .hasMessageContaining("gateway.tokenSecret.value");
  }

  @Test
  void tokenSecret_valueShorterThan32Characters_failsRendering() {
    assertThatThrownBy(() -> Chart.template("gateway.tokenSecret.value", "too-short"))
        .hasMessageContaining("/gateway/tokenSecret/value");
  }

  @Test
  void postgresql_neitherPasswordNorExistingSecret_failsSayingWhatToSet() {
    assertThatThrownBy(() -> Chart.template("postgresql.existingSecret", ""))
        .hasMessageContaining("postgresql.existingSecret")
        .hasMessageContaining("postgresql.password");
  }

  private static void assertSecretRef(EnvVar env, String secret, String key) {
    assertThat(env.getValue()).as("%s has no literal value", env.getName()).isNull();
    assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo(secret);
    assertThat(env.getValueFrom().getSecretKeyRef().getKey()).isEqualTo(key);
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
