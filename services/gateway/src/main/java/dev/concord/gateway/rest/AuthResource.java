package dev.concord.gateway.rest;

import dev.concord.gateway.auth.LoginLimiter;
import dev.concord.gateway.auth.PasswordHasher;
import dev.concord.gateway.auth.TokenRevocations;
import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.Account;
import dev.concord.proto.guild.v1.AccountsGrpc;
import dev.concord.proto.guild.v1.ChangePasswordRequest;
import dev.concord.proto.guild.v1.GetAccountRequest;
import dev.concord.proto.guild.v1.GetUserRequest;
import dev.concord.proto.guild.v1.RegisterRequest;
import dev.concord.proto.guild.v1.TokenVersion;
import dev.concord.proto.guild.v1.User;
import dev.concord.protocol.TokenVerifier;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /auth}: accounts of people. Register and login answer {@code {token, user_id}}: a token
 * signed with the account's token version; logout bumps the version, so every token of the user
 * stops working, on every gateway pod, and the user's open sockets close with 4004.
 *
 * <p>Passwords: 8..128 characters, hashed with Argon2id off the event loops ({@link
 * PasswordHasher}), never stored, logged or sent further than this class. Login answers the same
 * error, after the same work, for an unknown name and a wrong password. Attempts are limited per
 * name and per client address ({@link LoginLimiter}); registrations per address.
 */
final class AuthResource {
  static final int MIN_PASSWORD = 8;
  static final int MAX_PASSWORD = 128;
  static final String INVALID_LOGIN = "Login or password is invalid.";

  private final GuildClient guilds;
  private final RestApi.AuthSettings s;

  AuthResource(GuildClient guilds, RestApi.AuthSettings settings) {
    this.guilds = guilds;
    this.s = settings;
  }

  /** POST /auth/register {username, password, global_name?}: 201 {token, user_id}. */
  Mono<ServerResponse> register(ServerRequest req) {
    return RestIo.body(req)
        .flatMap(
            body -> {
              String username = RestIo.string(body, "username", "");
              String password = password(body);
              String global = RestIo.string(body, "global_name", "");
              int len = username.codePointCount(0, username.length());
              if (len < 2 || len > 32 || username.isBlank() || !username.equals(username.strip())) {
                throw RestException.invalidField("username", "Must be between 2 and 32 in length.");
              }
              if (global.codePointCount(0, global.length()) > 32) {
                throw RestException.invalidField("global_name", "Must be 32 or fewer in length.");
              }
              Mono<ServerResponse> limited = limited(s.registrations(), address(req), "register");
              if (limited != null) {
                return limited;
              }
              return Mono.fromFuture(s.hasher().hash(password))
                  .flatMap(
                      hash ->
                          this.<User>accounts(username.toLowerCase(Locale.ROOT).hashCode(), (stub, o) ->
                                  stub.register(RegisterRequest.newBuilder().setUsername(username).setGlobalName(global).setPasswordHash(hash).build(), o)))
                  .onErrorMap(
                      e -> e instanceof StatusRuntimeException x && x.getStatus().getCode() == Status.Code.ALREADY_EXISTS,
                      e -> RestException.invalidFields("USERNAME_ALREADY_TAKEN", "Username is unavailable. Try adding numbers, letters, underscores _ , or periods.", "username"))
                  .flatMap(u -> answer(HttpStatus.CREATED, u.getId(), 0));
            })
        .onErrorMap(PasswordHasher.Busy.class, e -> busy());
  }

  /** POST /auth/login {login (or username), password}: 200 {token, user_id}; 50035 for any bad pair. */
  Mono<ServerResponse> login(ServerRequest req) {
    return RestIo.body(req)
        .flatMap(
            body -> {
              String login = RestIo.string(body, "login", RestIo.string(body, "username", "")).toLowerCase(Locale.ROOT);
              String password = RestIo.string(body, "password", "");
              if (login.isEmpty() || login.length() > 32 || password.isEmpty() || password.length() > MAX_PASSWORD) {
                throw invalidLogin();
              }
              Mono<ServerResponse> limited = limited(s.logins(), address(req), login);
              if (limited != null) {
                return limited;
              }
              return this.<Account>accounts(login.hashCode(), (stub, o) -> stub.getAccount(GetAccountRequest.newBuilder().setLogin(login).build(), o))
                  .map(java.util.Optional::of)
                  .onErrorResume(
                      e -> e instanceof StatusRuntimeException x && x.getStatus().getCode() == Status.Code.NOT_FOUND,
                      e -> Mono.just(java.util.Optional.empty()))
                  .flatMap(
                      account ->
                          Mono.fromFuture(
                                  account.isPresent()
                                      ? s.hasher().matches(password, account.get().getPasswordHash())
                                      : s.hasher().matchesNothing(password))
                              .flatMap(
                                  ok -> {
                                    if (!ok) {
                                      return Mono.error(invalidLogin());
                                    }
                                    return answer(HttpStatus.OK, account.get().getUserId(), account.get().getTokenVersion());
                                  }));
            })
        .onErrorMap(PasswordHasher.Busy.class, e -> busy());
  }

  /**
   * POST /auth/logout (authenticated): every token of the caller stops working (on every gateway
   * pod; its sockets close with 4004). 204. Bot tokens cannot log out (403, code 20001).
   */
  Mono<ServerResponse> logout(ServerRequest req) {
    long me = RestIo.user(req);
    return this.<TokenVersion>accounts(me, (stub, o) -> stub.revokeTokens(GetUserRequest.newBuilder().setUserId(me).build(), o))
        .onErrorMap(
            e -> e instanceof StatusRuntimeException x && x.getStatus().getCode() == Status.Code.NOT_FOUND,
            e -> new RestException(HttpStatus.FORBIDDEN, 20001, "Bots cannot use this endpoint"))
        .flatMap(v -> Mono.fromFuture(s.revocations().revoke(me, v.getTokenVersion())))
        .then(RestIo.noContent());
  }

  /** One call of the guild pods' Accounts service on the owner of {@code key}. */
  private <T> Mono<T> accounts(long key, java.util.function.BiConsumer<AccountsGrpc.AccountsStub, io.grpc.stub.StreamObserver<T>> call) {
    return guilds.callWith(key, AccountsGrpc::newStub, call);
  }

  private Mono<ServerResponse> answer(HttpStatus status, long userId, int tokenVersion) {
    ObjectNode o = RestIo.JSON.createObjectNode();
    o.put("token", s.signer().sign(userId, s.tokenTtlSeconds(), tokenVersion));
    o.put("user_id", Long.toUnsignedString(userId));
    return ServerResponse.status(status).contentType(org.springframework.http.MediaType.APPLICATION_JSON).bodyValue(RestIo.JSON.writeValueAsBytes(o));
  }

  private static String password(ObjectNode body) {
    String p = RestIo.string(body, "password", "");
    if (p.length() < MIN_PASSWORD || p.length() > MAX_PASSWORD) {
      throw RestException.invalidField("password", "Must be between " + MIN_PASSWORD + " and " + MAX_PASSWORD + " in length.");
    }
    return p;
  }

  /**
   * POST /auth/password {password, new_password} (authenticated): the current password is checked,
   * the new one stored, and every token of the user stops working (as at logout, on every gateway
   * pod); answers {token, user_id} with a token of the new version for this client.
   */
  Mono<ServerResponse> changePassword(ServerRequest req) {
    long me = RestIo.user(req);
    return RestIo.body(req)
        .flatMap(
            body -> {
              String current = RestIo.string(body, "password", "");
              String next = RestIo.string(body, "new_password", "");
              if (next.length() < MIN_PASSWORD || next.length() > MAX_PASSWORD) {
                throw RestException.invalidField("new_password", "Must be between " + MIN_PASSWORD + " and " + MAX_PASSWORD + " in length.");
              }
              Mono<ServerResponse> limited = limited(s.logins(), address(req), "user:" + me);
              if (limited != null) {
                return limited;
              }
              return this.<Account>accounts(me, (stub, o) -> stub.getAccountOf(GetUserRequest.newBuilder().setUserId(me).build(), o))
                  .onErrorMap(
                      e -> e instanceof StatusRuntimeException x && x.getStatus().getCode() == Status.Code.NOT_FOUND,
                      e -> new RestException(HttpStatus.FORBIDDEN, 20001, "Bots cannot use this endpoint"))
                  .flatMap(account -> Mono.fromFuture(s.hasher().matches(current, account.getPasswordHash())))
                  .flatMap(
                      ok -> {
                        if (!ok) {
                          return Mono.error(RestException.invalidFields("PASSWORD_DOES_NOT_MATCH", "Password does not match.", "password"));
                        }
                        return Mono.fromFuture(s.hasher().hash(next));
                      })
                  .flatMap(
                      hash ->
                          this.<TokenVersion>accounts(me, (stub, o) -> stub.changePassword(ChangePasswordRequest.newBuilder().setUserId(me).setPasswordHash(hash).build(), o)))
                  .flatMap(v -> Mono.fromFuture(s.revocations().revoke(me, v.getTokenVersion())).thenReturn(v))
                  .flatMap(v -> answer(HttpStatus.OK, me, v.getTokenVersion()));
            })
        .onErrorMap(PasswordHasher.Busy.class, e -> busy());
  }

  /** A 429 in Discord's shape when the attempt is over the limit; null when it may go on. */
  private static @org.jspecify.annotations.Nullable Mono<ServerResponse> limited(LoginLimiter limiter, String address, String name) {
    long waitMs = limiter.tryAcquire(address, name);
    if (waitMs <= 0) {
      return null;
    }
    ObjectNode body = RestIo.JSON.createObjectNode();
    body.put("message", "You are being rate limited.");
    body.put("retry_after", waitMs / 1000.0);
    body.put("global", false);
    body.put("code", 0);
    return ServerResponse.status(HttpStatus.TOO_MANY_REQUESTS)
        .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
        .header("Retry-After", Long.toString(Math.max(1, (waitMs + 999) / 1000)))
        .bodyValue(RestIo.JSON.writeValueAsBytes(body));
  }

  private static String address(ServerRequest req) {
    return req.remoteAddress().map(InetSocketAddress::getAddress).map(a -> a.getHostAddress()).orElse("?");
  }

  private static RestException invalidLogin() {
    return RestException.invalidFields("INVALID_LOGIN", INVALID_LOGIN, "login", "password");
  }

  private static RestException busy() {
    return new RestException(HttpStatus.SERVICE_UNAVAILABLE, 0, "Too many logins at once; retry shortly");
  }
}
