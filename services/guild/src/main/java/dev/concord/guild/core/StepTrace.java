package dev.concord.guild.core;

import dev.concord.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The guild pod's spans of one sampled operation, children of its entry span: {@code
 * guild.activate} (waiting for a dormant guild's load from the store), {@code guild.queue} (waiting
 * in the guild's mailbox), {@code guild.apply} (on the loop), {@code guild.commit} (in the journal
 * until durable). Exists only for sampled operations: {@link #begin} returns null for the
 * rest, and {@link GuildHost} checks that one reference.
 */
final class StepTrace {
  private final Tracing tracing;
  private final SpanContext entry;
  private long submittedAt;
  private long applyStart;
  private @Nullable Span commit;

  private StepTrace(Tracing tracing, SpanContext entry, long submittedAt) {
    this.tracing = tracing;
    this.entry = entry;
    this.submittedAt = submittedAt;
  }

  /** The trace of the operation being submitted on this thread, if it is sampled. */
  static @Nullable StepTrace begin(Tracing tracing) {
    if (!tracing.enabled()) {
      return null;
    }
    SpanContext current = Span.current().getSpanContext();
    return current.isSampled() ? new StepTrace(tracing, current, Tracing.now()) : null;
  }

  /** The guild is dormant here: {@code guild.activate} spans the wait for its load from the store. */
  void activating(java.util.concurrent.CompletableFuture<?> activation) {
    Span span = tracing.child("guild.activate", entry, Tracing.now());
    activation.whenComplete(
        (v, e) -> {
          if (e != null) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
          }
          span.end();
        });
  }

  /** Submitted to the guild's mailbox now (after an activation, later than {@link #begin}). */
  void submitted() {
    submittedAt = Tracing.now();
  }

  /** On the loop: the mailbox wait ends, the apply starts. */
  void started(long guildId) {
    long now = Tracing.now();
    Span queue = tracing.child("guild.queue", entry, submittedAt);
    queue.setAttribute("concord.guild_id", Long.toUnsignedString(guildId));
    queue.end(now, TimeUnit.NANOSECONDS);
    applyStart = now;
  }

  void applied(@Nullable RuntimeException refused) {
    Span apply = tracing.child("guild.apply", entry, applyStart);
    if (refused != null) {
      apply.setStatus(StatusCode.ERROR, String.valueOf(refused.getMessage()));
    }
    apply.end();
  }

  void appended(int writes) {
    commit = tracing.child("guild.commit", entry, Tracing.now());
    commit.setAttribute("concord.writes", writes);
  }

  /** Durable: the commit span ends; the events go on as children of the entry span. */
  private SpanContext durable() {
    if (commit != null) {
      commit.end();
    }
    return entry;
  }

  /**
   * Runs a durable step's sends: as they are, or for a sampled operation ({@code trace} not null)
   * with the trace, so its relay events carry it on to the session pods.
   */
  static void send(Runnable[] sends, @Nullable StepTrace trace) {
    if (trace == null) {
      for (Runnable send : sends) {
        send.run();
      }
      return;
    }
    SpanContext parent = trace.durable();
    for (Runnable send : sends) {
      if (send instanceof dev.concord.tracing.TracedRunnable traced) {
        traced.run(parent);
      } else {
        send.run();
      }
    }
  }

  void failed(Throwable error) {
    if (commit != null) {
      commit.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
      commit.end();
    }
  }
}
