package dev.concord.guild.grpc;

import dev.concord.cluster.WrongOwnerStatus;
import dev.concord.guild.core.GuildException;
import dev.concord.proto.common.v1.Role;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps guild failures to gRPC statuses and completes unary calls from futures. */
final class Statuses {
  private static final Logger log = LoggerFactory.getLogger(Statuses.class);

  private Statuses() {}

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof GuildException g && g.kind() == GuildException.Kind.WRONG_OWNER) {
      return WrongOwnerStatus.of(Role.ROLE_GUILD, g.ringVersion(), g.owner(), g.getMessage());
    }
    if (t instanceof GuildException g) {
      Status s =
          switch (g.kind()) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
            case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case WRONG_OWNER -> Status.FAILED_PRECONDITION;
          };
      return g.code() != 0
          ? dev.concord.cluster.DiscordErrorCode.of(s.withDescription(g.getMessage()), g.code())
          : s.withDescription(g.getMessage()).asRuntimeException();
    }
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof java.util.concurrent.RejectedExecutionException) {
      return Status.RESOURCE_EXHAUSTED.withDescription("guild pod read queue is full; retry").asRuntimeException();
    }
    if (t instanceof org.springframework.dao.DataAccessException d) {
      log.warn("store call failed: {}", d.getMessage());
      return Status.UNAVAILABLE.withDescription("guild store unavailable; retry").asRuntimeException();
    }
    log.error("unexpected failure", t);
    return Status.INTERNAL.withDescription("internal error").asRuntimeException();
  }

  /** Runs {@code start}; completes {@code out} with the mapped result or the mapped failure. */
  static <T, R> void reply(
      StreamObserver<R> out, Supplier<CompletableFuture<T>> start, Function<T, R> mapper) {
    CompletableFuture<T> f;
    try {
      f = start.get();
    } catch (RuntimeException e) {
      out.onError(toStatus(e));
      return;
    }
    f.whenComplete(
        (value, error) -> {
          if (error != null) {
            out.onError(toStatus(error));
            return;
          }
          R r;
          try {
            r = mapper.apply(value);
          } catch (RuntimeException e) {
            out.onError(toStatus(e));
            return;
          }
          out.onNext(r);
          out.onCompleted();
        });
  }
}
