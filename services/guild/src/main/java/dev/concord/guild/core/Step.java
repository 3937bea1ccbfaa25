package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * What one operation does in one loop step, besides mutating the {@link GuildState}: the rows it
 * writes and the events it sends, in order. The runtime ({@link GuildHost}) makes the rows durable
 * in one group commit and only then runs the sends, in the order they were added.
 *
 * <p>Each event takes the guild's next seq when it is emitted, and the fanout captures its
 * recipients at that moment, so the order of changes is the order of events.
 *
 * <p>Concurrency: confined to the guild's loop for the length of one step.
 */
public final class Step {
  private final GuildState g;
  private final Fanout fanout;
  private final List<GuildStore.Write> writes = new ArrayList<>();
  private final List<Runnable> sends = new ArrayList<>();

  public Step(GuildState g, Fanout fanout) {
    this.g = g;
    this.fanout = fanout;
  }

  public GuildState guild() {
    return g;
  }

  /** A row to make durable before any send of this step runs. */
  public void write(GuildStore.Write w) {
    writes.add(w);
  }

  /** Dispatches {@code type} to every subscriber that has one of {@code requiredIntents}. */
  public void emit(String type, byte[] payload, long requiredIntents) {
    emit(type, payload, requiredIntents, 0, 0);
  }

  /** As {@link #emit(String, byte[], long)}, skipped by subscribers that cannot view {@code channelId}. */
  public void emit(String type, byte[] payload, long requiredIntents, long channelId) {
    emit(type, payload, requiredIntents, channelId, 0);
  }

  /** As above; {@code messageId} is the MESSAGE_CREATE's id (what re-joins catch up from), else 0. */
  public void emit(String type, byte[] payload, long requiredIntents, long channelId, long messageId) {
    g.seq++;
    sends.add(fanout.publish(g, type, payload, requiredIntents, channelId, messageId));
  }

  /** A MESSAGE_CREATE / MESSAGE_UPDATE, with what recipients without MESSAGE_CONTENT get instead. */
  public void emitMessage(String type, byte[] payload, dev.concord.proto.guild.v1.ContentGate gate, long channelId, long messageId) {
    g.seq++;
    sends.add(fanout.publishMessage(g, type, payload, gate, dev.concord.protocol.Intents.GUILD_MESSAGES, channelId, messageId));
  }

  /**
   * Dispatches {@code type} to the subscribed sessions of {@code userId} only (then, if {@code
   * unsubscribe}, drops them: they get nothing of this guild afterwards).
   */
  public void emitToUser(long userId, String type, byte[] payload, long requiredIntents, boolean unsubscribe) {
    java.util.Map<String, java.util.LinkedHashSet<Long>> byPod = new java.util.HashMap<>();
    List<GuildState.Subscriber> subs = g.subscribersOf(userId);
    for (GuildState.Subscriber s : subs) {
      byPod.computeIfAbsent(s.podId(), p -> new java.util.LinkedHashSet<>()).add(s.sessionKey());
    }
    g.seq++;
    sends.add(fanout.publishTo(g, byPod, type, payload, requiredIntents));
    if (unsubscribe) {
      for (GuildState.Subscriber s : subs) {
        g.unsubscribe(s.sessionId());
      }
    }
  }

  /** An event for the sessions in {@code byPod} only (session keys by pod), in the guild's order. */
  public void emitToSessions(java.util.Map<String, java.util.LinkedHashSet<Long>> byPod, String type, byte[] payload) {
    g.seq++;
    sends.add(fanout.publishTo(g, byPod, type, payload, 0));
  }

  /**
   * An ordering barrier: the step goes through the journal (after every earlier write of the
   * guild is durable) even though it writes and sends nothing.
   */
  public void barrier() {
    sends.add(() -> {});
  }

  /**
   * After a permission change: tells each subscribed session of {@code users} whose set of hidden
   * channels changed its new set, in order with the guild's events. Costs one permission check per
   * (session, channel), but only on permission changes.
   */
  public void refreshVisibility(LongPredicate users) {
    for (GuildState.Subscriber sub : List.copyOf(g.subscribers.values())) {
      if (!users.test(sub.userId())) {
        continue;
      }
      GuildState.Member m = g.members.get(sub.userId());
      long[] hidden = m == null ? new long[0] : GuildSnapshot.hiddenChannels(g, m);
      long[] before = g.hiddenBySession.get(sub.sessionId());
      if (before == null || !java.util.Arrays.equals(before, hidden)) {
        g.hiddenBySession.put(sub.sessionId(), hidden);
        g.seq++;
        sends.add(fanout.visibility(g, sub, hidden));
      }
    }
  }

  List<GuildStore.Write> writes() {
    return writes;
  }

  List<Runnable> sends() {
    return sends;
  }

  boolean isEmpty() {
    return writes.isEmpty() && sends.isEmpty();
  }
}
