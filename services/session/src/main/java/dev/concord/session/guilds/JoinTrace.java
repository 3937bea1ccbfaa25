package dev.concord.session.guilds;

import dev.concord.proto.guild.v1.JoinRequest;
import dev.concord.tracing.Tracing;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A sampled join's spans on the session pod: {@code session.join} (until the answer is used),
 * {@code join.wait} (each wait in the guild pod's lane for a bulkhead permit, backoffs included)
 * and {@code join.call} (each JoinBatch call it rode in). The guild pod continues the trace from
 * the call's traceparent: {@code GuildRegistry/JoinBatch}, then {@code guild.activate} when the
 * guild was dormant, {@code guild.queue} and {@code guild.apply}. Exists for sampled joins only.
 */
final class JoinTrace {
  private final Tracing tracing;
  private final Span join;
  private @Nullable Span wait;
  private @Nullable Span call;

  private JoinTrace(Tracing tracing, Span join) {
    this.tracing = tracing;
    this.join = join;
  }

  /** A new join's trace, head-sampled; null when not sampled (the usual case). */
  static @Nullable JoinTrace start(Tracing tracing, JoinRequest request, CompletableFuture<?> result) {
    if (!tracing.enabled()) {
      return null;
    }
    Span join = tracing.entry("session.join", Context.root());
    if (!join.isRecording()) {
      return null;
    }
    join.setAttribute("concord.guild_id", Long.toUnsignedString(request.getGuildId()));
    join.setAttribute("concord.session_id", request.getSessionId());
    join.setAttribute("concord.rejoin", request.getSinceMessageId() != 0);
    result.whenComplete(
        (r, e) -> {
          if (e != null) {
            join.setStatus(StatusCode.ERROR, String.valueOf(Status.fromThrowable(e)));
          }
          join.end();
        });
    return new JoinTrace(tracing, join);
  }

  /** Queued in the lane (first time or after a backoff). */
  synchronized void waiting(int attempt) {
    wait = tracing.child("join.wait", join.getSpanContext(), Tracing.now());
    wait.setAttribute("concord.attempt", attempt);
  }

  /** Leaving in a JoinBatch call of {@code joins}: the wait ends, the call starts; its context. */
  synchronized Context calling(int joins) {
    if (wait != null) {
      wait.end();
      wait = null;
    }
    call = tracing.child("join.call", join.getSpanContext(), Tracing.now());
    call.setAttribute("concord.joins_in_call", joins);
    return Context.root().with(call);
  }

  /** The call answered for this join ({@code code} OK or the outcome's). */
  synchronized void answered(Status.Code code) {
    if (call != null) {
      if (code != Status.Code.OK) {
        call.setStatus(StatusCode.ERROR, code.name());
      }
      call.end();
      call = null;
    }
  }
}
