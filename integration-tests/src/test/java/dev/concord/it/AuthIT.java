package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Accounts over REST: register, login, logout, and what a person notices: a taken name, a wrong
 * password (answered like an unknown name), limits on guessing, and a logout that ends every
 * token of the user (REST 401, open sockets closed with 4004, no resume).
 */
class AuthIT {
  static final String SECRET = "auth-test-secret-0123456789abcdefghijkl";
  static final Duration WAIT = Duration.ofSeconds(10);

  static SuiteFixture fixture;
  static RestClient rest;

  @BeforeAll
  static void start() {
    fixture =
        new SuiteFixture(
            LocalSuite.Options.defaults(SECRET)
                .withExtra(List.of("--concord.gateway.login-attempts-per-name=5", "--concord.gateway.registrations-per-address=50"))
                .withGateways(2));
    rest = new RestClient(fixture.suite.gatewayUrl());
  }

  @AfterAll
  static void stop() {
    if (rest != null) {
      rest.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private static RestClient.Response post(String path, String body) throws Exception {
    return rest.call("POST", path, null, body);
  }

  @Test
  void register_login_andTheTokenWorksOnRestAndTheGateway() throws Exception {
    RestClient.Response reg = post("/auth/register", "{\"username\":\"Carol\",\"password\":\"correct horse\",\"global_name\":\"Carol C\"}");
    assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
    String userId = reg.json().path("user_id").asString();
    String token = reg.json().path("token").asString();

    RestClient.Response me = rest.get("/users/@me", token);
    assertThat(me.status()).as(me.toString()).isEqualTo(200);
    assertThat(me.json().path("id").asString()).isEqualTo(userId);
    assertThat(me.json().path("username").asString()).isEqualTo("Carol");
    assertThat(me.json().path("global_name").asString()).isEqualTo("Carol C");
    assertThat(me.json().path("bot").asBoolean()).isFalse();

    // login is case-insensitive on the name, and gives a token of the same user
    RestClient.Response login = post("/auth/login", "{\"login\":\"carol\",\"password\":\"correct horse\"}");
    assertThat(login.status()).as(login.toString()).isEqualTo(200);
    assertThat(login.json().path("user_id").asString()).isEqualTo(userId);

    try (GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      assertThat(c.next(WAIT).path("op").asInt()).isEqualTo(10);
      c.identify(login.json().path("token").asString(), 513);
      JsonNode ready = c.nextDispatch("READY", WAIT);
      assertThat(ready.path("d").path("user").path("id").asString()).isEqualTo(userId);
    }
  }

  @Test
  void takenNames_badNames_andShortPasswords_areRefusedWithDiscordsShape() throws Exception {
    assertThat(post("/auth/register", "{\"username\":\"dave\",\"password\":\"password-1\"}").status()).isEqualTo(201);
    RestClient.Response taken = post("/auth/register", "{\"username\":\"DAVE\",\"password\":\"password-2\"}");
    assertThat(taken.status()).isEqualTo(400);
    assertThat(taken.json().path("code").asInt()).isEqualTo(50035);
    assertThat(taken.json().path("errors").path("username").path("_errors").get(0).path("code").asString()).isEqualTo("USERNAME_ALREADY_TAKEN");

    RestClient.Response shortPassword = post("/auth/register", "{\"username\":\"erin\",\"password\":\"short\"}");
    assertThat(shortPassword.status()).isEqualTo(400);
    assertThat(shortPassword.json().path("errors").has("password")).isTrue();

    RestClient.Response badName = post("/auth/register", "{\"username\":\" x\",\"password\":\"password-3\"}");
    assertThat(badName.status()).isEqualTo(400);
    assertThat(badName.json().path("errors").has("username")).isTrue();
  }

  @Test
  void wrongPassword_andUnknownName_getTheSameAnswer_andGuessingIsLimited() throws Exception {
    assertThat(post("/auth/register", "{\"username\":\"frank\",\"password\":\"frank-secret\"}").status()).isEqualTo(201);
    RestClient.Response wrong = post("/auth/login", "{\"login\":\"frank\",\"password\":\"not-it-at-all\"}");
    RestClient.Response unknown = post("/auth/login", "{\"login\":\"nobody-here\",\"password\":\"not-it-at-all\"}");
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(wrong.body()).isEqualTo(unknown.body());
    assertThat(wrong.json().path("errors").path("login").path("_errors").get(0).path("code").asString()).isEqualTo("INVALID_LOGIN");
    assertThat(wrong.body()).doesNotContain("not-it-at-all");

    // 5 attempts per name per window (set above): 1 used; 4 more, then 429, even with the right password
    for (int i = 0; i < 4; i++) {
      assertThat(post("/auth/login", "{\"login\":\"frank\",\"password\":\"guess-" + i + "\"}").status()).isEqualTo(400);
    }
    RestClient.Response limited = post("/auth/login", "{\"login\":\"frank\",\"password\":\"frank-secret\"}");
    assertThat(limited.status()).as(limited.toString()).isEqualTo(429);
    assertThat(limited.json().path("retry_after").asDouble()).isPositive();
    assertThat(limited.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void logout_endsEveryTokenOfTheUser_onRestAndOpenSockets_onEveryGatewayPod() throws Exception {
    RestClient.Response reg = post("/auth/register", "{\"username\":\"grace\",\"password\":\"grace-secret\"}");
    String first = reg.json().path("token").asString();
    String second = post("/auth/login", "{\"login\":\"grace\",\"password\":\"grace-secret\"}").json().path("token").asString();
    // the other gateway pod checks the token (and caches its version) before the logout
    try (RestClient other = new RestClient(fixture.suite.gatewayUrl(1))) {
      assertThat(other.get("/users/@me", second).status()).isEqualTo(200);
    }

    // the other tab is on the other gateway pod; the logout is served by the first
    try (GatewayClient tab = GatewayClient.connect(fixture.suite.gatewayUrl(1) + "/?v=10&encoding=json")) {
      assertThat(tab.next(WAIT).path("op").asInt()).isEqualTo(10);
      tab.identify(second, 513);
      JsonNode ready = tab.nextDispatch("READY", WAIT);
      String sessionId = ready.path("d").path("session_id").asString();

      RestClient.Response out = rest.call("POST", "/auth/logout", first, null);
      assertThat(out.status()).as(out.toString()).isEqualTo(204);

      // the other tab's socket is closed with 4004 (by the broadcast, not by a timeout)
      assertThat(tab.awaitClose(WAIT)).isEqualTo(4004);
      // both tokens are refused on REST, on both pods (the other one was told, not left to its cache)
      assertThat(rest.get("/users/@me", first).status()).isEqualTo(401);
      assertThat(rest.get("/users/@me", second).status()).isEqualTo(401);
      try (RestClient other = new RestClient(fixture.suite.gatewayUrl(1))) {
        assertThat(other.get("/users/@me", second).status()).isEqualTo(401);
      }
      // and the session cannot be resumed with the revoked token
      try (GatewayClient again = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
        assertThat(again.next(WAIT).path("op").asInt()).isEqualTo(10);
        again.resume(second, sessionId, 1);
        assertThat(again.awaitClose(WAIT)).isEqualTo(4004);
      }
    }
    // a new login works
    RestClient.Response login = post("/auth/login", "{\"login\":\"grace\",\"password\":\"grace-secret\"}");
    assertThat(rest.get("/users/@me", login.json().path("token").asString()).status()).isEqualTo(200);
  }

  @Test
  void passwordChange_needsTheCurrentOne_andEndsEveryOlderToken() throws Exception {
    String old = post("/auth/register", "{\"username\":\"heidi\",\"password\":\"heidi-secret\"}").json().path("token").asString();
    RestClient.Response wrong = rest.call("POST", "/auth/password", old, "{\"password\":\"not-hers\",\"new_password\":\"heidi-secret-2\"}");
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(wrong.json().path("errors").path("password").path("_errors").get(0).path("code").asString()).isEqualTo("PASSWORD_DOES_NOT_MATCH");
    assertThat(rest.get("/users/@me", old).status()).isEqualTo(200);

    RestClient.Response changed = rest.call("POST", "/auth/password", old, "{\"password\":\"heidi-secret\",\"new_password\":\"heidi-secret-2\"}");
    assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
    assertThat(rest.get("/users/@me", old).status()).isEqualTo(401);
    assertThat(rest.get("/users/@me", changed.json().path("token").asString()).status()).isEqualTo(200);
    assertThat(post("/auth/login", "{\"login\":\"heidi\",\"password\":\"heidi-secret\"}").status()).isEqualTo(400);
    assertThat(post("/auth/login", "{\"login\":\"heidi\",\"password\":\"heidi-secret-2\"}").status()).isEqualTo(200);
  }

  @Test
  void botTokens_cannotLogOut() throws Exception {
    String bot = fixture.demo.users().get(0).token();
    RestClient.Response r = rest.call("POST", "/auth/logout", bot, null);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.json().path("code").asInt()).isEqualTo(20001);
    assertThat(rest.get("/users/@me", bot).status()).isEqualTo(200);
  }
}
