package dev.concord.guild.grpc;

import dev.concord.guild.core.GuildHost;
import dev.concord.guild.store.GuildStore;
import dev.concord.guild.store.JdbcAccounts;
import dev.concord.proto.guild.v1.Account;
import dev.concord.proto.guild.v1.AccountsGrpc;
import dev.concord.proto.guild.v1.ChangePasswordRequest;
import dev.concord.proto.guild.v1.GetAccountRequest;
import dev.concord.proto.guild.v1.GetUserRequest;
import dev.concord.proto.guild.v1.RegisterRequest;
import dev.concord.proto.guild.v1.TokenVersion;
import dev.concord.proto.guild.v1.User;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Locale;
import java.util.OptionalInt;
import org.springframework.stereotype.Service;

/**
 * Accounts of people, from the shared store (any guild pod answers). The password hash comes
 * from the gateway; this service never sees a password.
 */
@Service
final class AccountsGrpcService extends AccountsGrpc.AccountsImplBase {
  static final int MAX_HASH_LENGTH = 255;

  private final JdbcAccounts accounts;
  private final GuildHost host;

  AccountsGrpcService(JdbcAccounts accounts, GuildHost host) {
    this.accounts = accounts;
    this.host = host;
  }

  /** The login form of a username: unique without regard to case. */
  static String login(String username) {
    return username.toLowerCase(Locale.ROOT);
  }

  @Override
  public void register(RegisterRequest req, StreamObserver<User> out) {
    String name = req.getUsername();
    int len = name.codePointCount(0, name.length());
    if (len < 2 || len > 32 || name.isBlank() || !name.equals(name.strip())) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("username length out of range: " + len + " (expected: 2..32, no surrounding spaces)").asRuntimeException());
      return;
    }
    if (req.getGlobalName().codePointCount(0, req.getGlobalName().length()) > 32) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("global_name too long (expected: <= 32)").asRuntimeException());
      return;
    }
    if (req.getPasswordHash().isEmpty() || req.getPasswordHash().length() > MAX_HASH_LENGTH) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("password_hash required (<= " + MAX_HASH_LENGTH + " chars)").asRuntimeException());
      return;
    }
    long id = host.nextId();
    String global = req.getGlobalName().isEmpty() ? null : req.getGlobalName();
    try {
      accounts.insert(new GuildStore.UserRow(id, name, global, false), login(name), req.getPasswordHash());
    } catch (JdbcAccounts.LoginTakenException e) {
      out.onError(Status.ALREADY_EXISTS.withDescription("username taken").asRuntimeException());
      return;
    } catch (RuntimeException e) {
      out.onError(Statuses.toStatus(e));
      return;
    }
    User.Builder u = User.newBuilder().setId(id).setUsername(name).setBot(false);
    if (global != null) {
      u.setGlobalName(global);
    }
    out.onNext(u.build());
    out.onCompleted();
  }

  @Override
  public void getAccount(GetAccountRequest req, StreamObserver<Account> out) {
    answer(() -> accounts.byLogin(login(req.getLogin())), out);
  }

  @Override
  public void getAccountOf(GetUserRequest req, StreamObserver<Account> out) {
    answer(() -> accounts.byUser(req.getUserId()), out);
  }

  private static void answer(java.util.function.Supplier<java.util.Optional<JdbcAccounts.AccountRow>> read, StreamObserver<Account> out) {
    try {
      read.get()
          .ifPresentOrElse(
              a -> {
                out.onNext(Account.newBuilder().setUserId(a.userId()).setPasswordHash(a.passwordHash()).setTokenVersion(a.tokenVersion()).build());
                out.onCompleted();
              },
              () -> out.onError(Status.NOT_FOUND.withDescription("no such account").asRuntimeException()));
    } catch (RuntimeException e) {
      out.onError(Statuses.toStatus(e));
    }
  }

  @Override
  public void changePassword(ChangePasswordRequest req, StreamObserver<TokenVersion> out) {
    if (req.getPasswordHash().isEmpty() || req.getPasswordHash().length() > MAX_HASH_LENGTH) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("password_hash required (<= " + MAX_HASH_LENGTH + " chars)").asRuntimeException());
      return;
    }
    versionAnswer(() -> accounts.changePassword(req.getUserId(), req.getPasswordHash()), req.getUserId(), out);
  }

  @Override
  public void getTokenVersion(GetUserRequest req, StreamObserver<TokenVersion> out) {
    try {
      OptionalInt v = accounts.tokenVersion(req.getUserId());
      out.onNext(TokenVersion.newBuilder().setUserId(req.getUserId()).setTokenVersion(v.orElse(0)).setHasAccount(v.isPresent()).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(Statuses.toStatus(e));
    }
  }

  @Override
  public void revokeTokens(GetUserRequest req, StreamObserver<TokenVersion> out) {
    versionAnswer(() -> accounts.bumpTokenVersion(req.getUserId()), req.getUserId(), out);
  }

  /** Answers the new token version a write produced (NOT_FOUND when the user has no account). */
  private static void versionAnswer(java.util.function.Supplier<OptionalInt> write, long userId, StreamObserver<TokenVersion> out) {
    try {
      OptionalInt v = write.get();
      if (v.isEmpty()) {
        out.onError(Status.NOT_FOUND.withDescription("user has no account").asRuntimeException());
        return;
      }
      out.onNext(TokenVersion.newBuilder().setUserId(userId).setTokenVersion(v.getAsInt()).setHasAccount(true).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(Statuses.toStatus(e));
    }
  }
}
