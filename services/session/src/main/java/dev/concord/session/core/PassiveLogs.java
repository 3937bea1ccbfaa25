package dev.concord.session.core;

import dev.concord.fanout.RelayHub;
import dev.concord.proto.guild.v1.RelayEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The recent events of each guild that has passive sessions on this pod, kept ONCE per pod (not
 * per session) so that a session switching to active can be sent exactly what it skipped, in
 * order, without asking the guild pod ({@link PassiveSessions#activate}).
 *
 * <p>Each guild's log exists while at least one session of this pod is passive in it ({@link
 * #retain}/{@link #release}). The relay thread appends every event of the guild as it arrives,
 * before the workers see it, without its recipient keys (a relay event to 200 000 sessions carries
 * 1.6 MB of keys; the log keeps the payload by reference and the routing fields).
 *
 * <p>Bounds: per guild {@code maxEvents} events and {@code maxBytesPerGuild} payload bytes, and
 * {@code maxBytesTotal} over the pod. Past a bound the oldest events go first; an event that does
 * not fit the pod's budget at all is not kept, and the log records that it no longer covers what
 * came before. A session whose skipped events are not all covered falls back to a re-join with
 * catch-up from the store ({@link #between} answers null).
 *
 * <p>Concurrency: appends come from relay threads (one per guild pod, so a guild's events arrive
 * in order on one thread), reads and retains from session workers; each log is guarded by its own
 * monitor, the map is concurrent.
 */
final class PassiveLogs {
  private final ConcurrentHashMap<Long, GuildLog> logs = new ConcurrentHashMap<>();
  private final AtomicLong totalBytes = new AtomicLong();
  private final int maxEvents;
  private final long maxBytesPerGuild;
  private final long maxBytesTotal;

  PassiveLogs(int maxEvents, long maxBytesPerGuild, long maxBytesTotal) {
    this.maxEvents = maxEvents;
    this.maxBytesPerGuild = maxBytesPerGuild;
    this.maxBytesTotal = maxBytesTotal;
  }

  /** A relay event arrived (relay thread, in the guild's order): kept if its guild has a log. */
  void append(RelayEvent e) {
    GuildLog log = logs.get(e.getGuildId());
    if (log == null || RelayHub.VISIBILITY.equals(e.getType()) || RelayHub.REJOIN.equals(e.getType())) {
      return; // internal events are per session and never replayed
    }
    RelayEvent.Builder b =
        RelayEvent.newBuilder()
            .setGuildId(e.getGuildId())
            .setGuildSeq(e.getGuildSeq())
            .setType(e.getType())
            .setPayload(e.getPayload())
            .setRequiredIntents(e.getRequiredIntents())
            .setChannelId(e.getChannelId())
            .setMessageId(e.getMessageId());
    if (e.hasContentGate()) {
      b.setContentGate(e.getContentGate());
    }
    log.append(b.build());
  }

  /** A session became passive in {@code guildId}: its log is kept from now on. */
  void retain(long guildId) {
    logs.compute(
        guildId,
        (k, log) -> {
          GuildLog l = log == null ? new GuildLog() : log;
          l.retainers++;
          return l;
        });
  }

  /** A session is no longer passive in {@code guildId} (active, left, or ended). */
  void release(long guildId) {
    logs.computeIfPresent(
        guildId,
        (k, log) -> {
          if (--log.retainers > 0) {
            return log;
          }
          log.close();
          return null;
        });
  }

  /**
   * The kept events of {@code guildId} with {@code from <= guild_seq <= to}, in order; null when
   * the log does not cover {@code from} (it started later, or events from then were evicted).
   */
  @Nullable List<RelayEvent> between(long guildId, long from, long to) {
    GuildLog log = logs.get(guildId);
    return log == null ? null : log.between(from, to);
  }

  boolean has(long guildId) {
    return logs.containsKey(guildId);
  }

  /** Guild logs and their bytes (introspection, tests). */
  int guilds() {
    return logs.size();
  }

  long bytes() {
    return totalBytes.get();
  }

  private static long sizeOf(RelayEvent e) {
    return 64L + e.getPayload().size() + (e.hasContentGate() ? e.getContentGate().getPayloadWithoutContent().size() : 0);
  }

  private final class GuildLog {
    /** Sessions passive in the guild; changed only inside the map's compute (per key, serialized). */
    int retainers;

    private final ArrayDeque<RelayEvent> events = new ArrayDeque<>();
    private long bytes;
    /** guild_seq of the first event ever appended (0: none yet). */
    private long firstSeq;
    /** The newest guild_seq dropped from the front or never kept (0: none). */
    private long lostUpTo;
    private boolean closed;

    synchronized void append(RelayEvent e) {
      if (closed) {
        return;
      }
      if (firstSeq == 0) {
        firstSeq = e.getGuildSeq();
      }
      long size = sizeOf(e);
      while (!events.isEmpty() && (events.size() >= maxEvents || bytes + size > maxBytesPerGuild || totalBytes.get() + size > maxBytesTotal)) {
        evictOldest();
      }
      if (size > maxBytesPerGuild || totalBytes.get() + size > maxBytesTotal) {
        lostUpTo = e.getGuildSeq(); // no room even alone: what came before is no longer covered
        return;
      }
      events.addLast(e);
      bytes += size;
      totalBytes.addAndGet(size);
    }

    private void evictOldest() {
      RelayEvent old = events.removeFirst();
      long size = sizeOf(old);
      bytes -= size;
      totalBytes.addAndGet(-size);
      lostUpTo = old.getGuildSeq();
    }

    synchronized @Nullable List<RelayEvent> between(long from, long to) {
      if (firstSeq == 0 || firstSeq > from || lostUpTo >= from) {
        return null;
      }
      List<RelayEvent> out = new ArrayList<>();
      for (RelayEvent e : events) {
        if (e.getGuildSeq() > to) {
          break;
        }
        if (e.getGuildSeq() >= from) {
          out.add(e);
        }
      }
      return out;
    }

    synchronized void close() {
      closed = true;
      totalBytes.addAndGet(-bytes);
      bytes = 0;
      events.clear();
    }
  }
}
