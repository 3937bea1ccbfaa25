package dev.concord.session.core;

import com.google.protobuf.ByteString;
import dev.concord.fanout.RecipientTable;
import dev.concord.fanout.RelayHub;
import dev.concord.fanout.RelayPartitioner;
import dev.concord.fanout.RelayWorkers;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.protocol.Intents;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Relay events to sessions: {@link #onRelayEvent} groups an event's recipients by worker and
 * queues ONE task per worker; the worker filters each recipient (joined, newer than its snapshot,
 * intents, visible channel, the MESSAGE_CONTENT gate), stamps the session's next {@code s}, keeps
 * it for a resume and hands ONE shared dispatch per gateway link (per payload variant) to the
 * link. The payload bytes are never re-serialized per recipient. Events that arrive while a
 * session's join of their guild is in flight are held (bounded) and released after its
 * GUILD_CREATE ({@link #deliver}).
 *
 * <p>Concurrency: each session's work runs on its worker; the lifecycle (re-join, detach, end)
 * stays with {@link SessionManager}, called back on that worker.
 */
final class RelayDelivery {
  /** From a guild pod, always a removal (the outage variant, unavailable, is the session's own). */
  private static final String GUILD_DELETE = "GUILD_DELETE";

  private final SessionManager manager;
  private final RelayPartitioner<Session> partitioner;
  private final int maxHeldPerGuild;
  private final LongAdder delivered;
  private final PassiveSessions passive;
  private final GuildRosters rosters;
  private volatile dev.concord.tracing.Tracing tracing = dev.concord.tracing.Tracing.off();

  RelayDelivery(
      SessionManager manager,
      RelayWorkers workers,
      RecipientTable<Session> byKey,
      int maxHeldPerGuild,
      LongAdder delivered,
      PassiveSessions passive,
      GuildRosters rosters) {
    this.manager = manager;
    this.passive = passive;
    this.rosters = rosters;
    this.maxHeldPerGuild = maxHeldPerGuild;
    this.delivered = delivered;
    this.partitioner =
        new RelayPartitioner<>(
            workers,
            byKey::get,
            Session::key,
            this::deliverBatch,
            batch -> batch.forEach(manager::desync),
            new RelayPartitioner.ToAll() {
              @Override
              public void deliver(int worker, RelayEvent event) {
                deliverToRoster(worker, event);
              }

              @Override
              public void rejected(int worker, RelayEvent event) {
                manager.desyncWorker(worker); // its sessions of the guild missed an event
              }
            });
  }

  /** Set once, before relay streams open (see {@link SessionManager#withTracing}). */
  void tracing(dev.concord.tracing.Tracing tracing) {
    this.tracing = tracing;
  }

  private java.util.function.LongConsumer passTimer = nanos -> {};

  /** Set once, before relay streams open: takes each worker pass's duration (a histogram). */
  void passTimer(java.util.function.LongConsumer timer) {
    this.passTimer = timer;
  }

  /** One relay event for many sessions of this pod: one task per worker, not per recipient. */
  void onRelayEvent(RelayEvent event) {
    partitioner.onEvent(event);
  }

  /**
   * On a worker: the recipients of {@code e} that hash to it. Each passes its filters and takes
   * its next {@code s}; then ONE shared dispatch per gateway link carries the payload for all of
   * them (the bytes are never copied or re-serialized per recipient).
   */
  private void deliverBatch(List<Session> batch, RelayEvent e) {
    if (!batch.isEmpty()) {
      // an event naming its recipients: the worker's roster notes it (and keeps a guild-wide one)
      GuildRosters.Roster r = rosters.get(rosters.workerOf(batch.getFirst()), e.getGuildId());
      if (r != null) {
        if (narrowedByIntent(e.getRequiredIntents())) {
          rosters.record(r, e);
        } else {
          r.lastSeq = Math.max(r.lastSeq, e.getGuildSeq());
        }
      }
    }
    deliverTimed(batch, e);
  }

  /** The guild pod's intent indexes (GuildState.SELECTIVE_INTENTS): events to all who asked for one. */
  private static boolean narrowedByIntent(long intents) {
    return intents == Intents.GUILD_PRESENCES
        || intents == Intents.GUILD_MEMBERS
        || intents == Intents.GUILD_MESSAGE_TYPING
        || intents == Intents.GUILD_MESSAGE_REACTIONS;
  }

  /**
   * On worker {@code w}: an event to every session of the guild ({@code all_subscribers}). Only
   * those who may take it live are handed it: the active sessions, and the passive ones for what
   * keeps their picture of the guild right, or a message they wrote or are mentioned in. A message
   * the passive ones skip moves their unread markers, once for all of them.
   */
  private void deliverToRoster(int w, RelayEvent e) {
    GuildRosters.Roster r = rosters.get(w, e.getGuildId());
    if (r == null) {
      return; // none of this worker's sessions is in the guild
    }
    rosters.record(r, e);
    List<Session> batch = new ArrayList<>(r.active.size() + 4);
    batch.addAll(r.active);
    if (!r.passive.isEmpty()) {
      String type = e.getType();
      if (RelayHub.REJOIN.equals(type) || PassiveSessions.mayTakeLive(type) && !"MESSAGE_CREATE".equals(type)) {
        batch.addAll(r.passive); // guild, channel, role changes (or their own member change)
      } else if ("MESSAGE_CREATE".equals(type)) {
        int reached = addPassiveOf(r, e.getContentGate(), batch);
        passive.skipped(r.passive.size() - reached);
        passive.noteMessage(w, r, e);
      } else {
        passive.skipped(r.passive.size());
      }
    }
    deliverTimed(batch, e);
  }

  /** The passive sessions of a message's author and of the users it mentions (each once). */
  private static int addPassiveOf(GuildRosters.Roster r, dev.concord.proto.guild.v1.ContentGate gate, List<Session> batch) {
    int reached = 0;
    int n = gate.getMentionedUserIdsCount();
    for (int i = -1; i < n; i++) {
      long userId = i < 0 ? gate.getAuthorId() : gate.getMentionedUserIds(i);
      boolean seen = userId == gate.getAuthorId() && i >= 0;
      for (int k = 0; k < i && !seen; k++) {
        seen = gate.getMentionedUserIds(k) == userId;
      }
      List<Session> theirs = seen ? null : r.passiveByUser.get(userId);
      if (theirs != null) {
        batch.addAll(theirs);
        reached += theirs.size();
      }
    }
    return reached;
  }

  private void deliverTimed(List<Session> batch, RelayEvent e) {
    long started = System.nanoTime();
    // sampled events only: the one check an unsampled event costs
    RelayTrace trace = e.hasTrace() ? RelayTrace.start(tracing, e, batch.size()) : null;
    try {
      deliverBatch(batch, e, trace);
    } finally {
      if (trace != null) {
        trace.end();
      }
      passTimer.accept(System.nanoTime() - started);
    }
  }

  private void deliverBatch(List<Session> batch, RelayEvent e, @org.jspecify.annotations.Nullable RelayTrace trace) {
    SharedDispatches out = null;
    // one replay item for every recipient of this event on this worker
    ReplayBuffer.Item replayItem = null;
    // recipients without MESSAGE_CONTENT share the gate's copy, also serialized once
    SharedDispatches outStripped = null;
    ReplayBuffer.Item strippedItem = null;
    PassiveSessions.Pass passivePass = null;
    for (int i = 0; i < batch.size(); i++) {
      Session s = batch.get(i);
      Session.GuildSub sub = s.sub(e.getGuildId());
      if (sub == null || s.ended) {
        continue;
      }
      if (s.desynced) {
        manager.end(s, true);
        continue;
      }
      if (!sub.joined) {
        hold(s, sub, e);
        continue;
      }
      if (RelayHub.REJOIN.equals(e.getType())) {
        if (e.getGuildSeq() > sub.snapshotSeq) {
          manager.rejoin(s, sub, 0);
        }
        continue;
      }
      if (!accept(s, sub, e)) {
        continue;
      }
      if (sub.passive) {
        if (passivePass == null) {
          passivePass = new PassiveSessions.Pass(e);
        }
        if (!PassiveSessions.delivers(s, e, passivePass)) {
          passive.skipped(1);
          continue;
        }
      }
      if (GUILD_DELETE.equals(e.getType())) {
        // removed from the guild (kicked, left, or it was deleted): the guild pod unsubscribed it
        s.removeGuild(e.getGuildId());
        rosters.leave(s, sub);
      }
      long seq = ++s.seq;
      if (withoutContent(s, e)) {
        if (strippedItem == null) {
          strippedItem = new ReplayBuffer.Item(e.getType(), e.getContentGate().getPayloadWithoutContent());
        }
        s.replay.add(seq, strippedItem);
        if (s.connection != null) {
          if (outStripped == null) {
            outStripped = new SharedDispatches(batch.size());
          }
          outStripped.add(s, seq, trace != null && trace.sampled(i) ? trace.delivered(s, seq) : null);
        }
        continue;
      }
      if (replayItem == null) {
        replayItem = new ReplayBuffer.Item(e.getType(), e.getPayload());
      }
      s.replay.add(seq, replayItem);
      if (s.connection == null) {
        continue; // detached: kept for a resume
      }
      if (out == null) {
        out = new SharedDispatches(batch.size());
      }
      out.add(s, seq, trace != null && trace.sampled(i) ? trace.delivered(s, seq) : null);
    }
    if (out != null) {
      out.flush(e.getType(), e.getPayload());
    }
    if (outStripped != null) {
      outStripped.flush(e.getType(), e.getContentGate().getPayloadWithoutContent());
    }
  }

  /**
   * Discord's MESSAGE_CONTENT rule: a session without the intent gets a message's content,
   * embeds and attachments empty, unless its user wrote the message or is mentioned in it.
   */
  private static boolean withoutContent(Session s, RelayEvent e) {
    if (!e.hasContentGate() || Intents.permits(s.intents, Intents.MESSAGE_CONTENT)) {
      return false;
    }
    dev.concord.proto.guild.v1.ContentGate gate = e.getContentGate();
    if (s.userId == gate.getAuthorId()) {
      return false;
    }
    // per recipient: no boxing, no list copy (mentions are few)
    for (int i = 0; i < gate.getMentionedUserIdsCount(); i++) {
      if (gate.getMentionedUserIds(i) == s.userId) {
        return false;
      }
    }
    return true;
  }

  /**
   * On the worker of all of {@code sessions}: the same dispatch for each (its next {@code s}, kept
   * for a resume), the payload sent ONCE per gateway link for all of them, as a relay event is.
   */
  void dispatchShared(List<Session> sessions, String type, ByteString payload) {
    ReplayBuffer.Item item = new ReplayBuffer.Item(type, payload);
    SharedDispatches out = null;
    for (Session s : sessions) {
      long seq = ++s.seq;
      s.replay.add(seq, item);
      if (s.connection != null) {
        if (out == null) {
          out = new SharedDispatches(sessions.size());
        }
        out.add(s, seq, null);
      }
    }
    if (out != null) {
      out.flush(type, payload);
    }
  }

  /** Per-link groups of (session, seq) for one event on one worker. Usually a single link. */
  private final class SharedDispatches {
    private final List<LinkSink> links = new ArrayList<>(1);
    private final List<List<Session>> sessionsByLink = new ArrayList<>(1);
    private final List<long[]> seqsByLink = new ArrayList<>(1);
    // the connection ids, taken while the session is at hand (a second pass over 19 000 sessions
    // for them missed the cache again per recipient)
    private final List<long[]> idsByLink = new ArrayList<>(1);
    // per link, the first traced copy among its connections (null: none, the usual case)
    private final List<dev.concord.proto.common.v1.@org.jspecify.annotations.Nullable TraceContext> traceByLink =
        new ArrayList<>(1);
    private final int capacity;
    /** The index in {@link #links} of the last recipient's link. */
    private int last;

    SharedDispatches(int capacity) {
      this.capacity = capacity;
    }

    void add(Session s, long seq, dev.concord.proto.common.v1.@org.jspecify.annotations.Nullable TraceContext trace) {
      Connection c = s.connection;
      LinkSink link = c.link();
      // the usual case, one link (or runs of one): no equals() walk per recipient
      int i = last < links.size() && links.get(last) == link ? last : links.indexOf(link);
      if (i < 0) {
        links.add(link);
        sessionsByLink.add(new ArrayList<>(capacity));
        seqsByLink.add(new long[capacity]);
        idsByLink.add(new long[capacity]);
        traceByLink.add(null);
        i = links.size() - 1;
      }
      if (trace != null && traceByLink.get(i) == null) {
        traceByLink.set(i, trace);
      }
      last = i;
      List<Session> group = sessionsByLink.get(i);
      seqsByLink.get(i)[group.size()] = seq;
      idsByLink.get(i)[group.size()] = c.id();
      group.add(s);
    }

    void flush(String type, ByteString payload) {
      for (int i = 0; i < links.size(); i++) {
        List<Session> group = sessionsByLink.get(i);
        int n = group.size();
        if (links.get(i).sendShared(type, payload, idsByLink.get(i), seqsByLink.get(i), n, traceByLink.get(i))) {
          delivered.add(n);
        } else {
          // the link is full or gone: the frames are in the replay buffers, the clients resume
          for (Session s : group) {
            manager.detach(s, s.connection);
          }
        }
      }
    }
  }

  /**
   * The per-session filters of a joined session: newer than its snapshot, allowed by its intents,
   * in a channel it can view. A _VISIBILITY event updates the hidden channels and is never
   * dispatched.
   */
  private static boolean accept(Session s, Session.GuildSub sub, RelayEvent e) {
    if (e.getGuildSeq() <= sub.snapshotSeq) {
      return false;
    }
    if (e.getMessageId() > sub.lastMessageId) {
      sub.lastMessageId = e.getMessageId(); // seen, even if filtered below
    }
    if (RelayHub.VISIBILITY.equals(e.getType())) {
      sub.hidden = sortedArray(e.getHiddenChannelIdsList());
      return false;
    }
    return permits(s, sub, e);
  }

  /** The intents and channel filters alone (no state changes): also what a passive sync applies. */
  static boolean permits(Session s, Session.GuildSub sub, RelayEvent e) {
    if (!Intents.permits(s.intents, e.getRequiredIntents())) {
      return false;
    }
    return e.getChannelId() == 0 || java.util.Arrays.binarySearch(sub.hidden, e.getChannelId()) < 0;
  }

  /** The payload {@code s} gets of {@code e}: the content gate's copy without MESSAGE_CONTENT. */
  static ByteString payloadFor(Session s, RelayEvent e) {
    return withoutContent(s, e) ? e.getContentGate().getPayloadWithoutContent() : e.getPayload();
  }

  static long[] sortedArray(List<Long> ids) {
    if (ids.isEmpty()) {
      return Session.NO_CHANNELS;
    }
    long[] a = new long[ids.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = ids.get(i);
    }
    java.util.Arrays.sort(a);
    return a;
  }

  private void hold(Session s, Session.GuildSub sub, RelayEvent e) {
    if (sub.heldCount() >= maxHeldPerGuild) {
      manager.desync(s);
      manager.end(s, true);
      return;
    }
    sub.hold(e);
  }

  void deliver(Session s, Session.GuildSub sub, RelayEvent e) {
    if (s.desynced) {
      manager.end(s, true);
      return;
    }
    if (!sub.joined) {
      hold(s, sub, e);
      return;
    }
    if (RelayHub.REJOIN.equals(e.getType())) {
      if (e.getGuildSeq() > sub.snapshotSeq) {
        manager.rejoin(s, sub, 0);
      }
      return;
    }
    if (accept(s, sub, e)) {
      if (sub.passive && !PassiveSessions.delivers(s, e, new PassiveSessions.Pass(e))) {
        passive.skipped(1);
        return;
      }
      if (GUILD_DELETE.equals(e.getType())) {
        s.removeGuild(e.getGuildId());
        rosters.leave(s, sub);
      }
      manager.dispatch(s, e.getType(), payloadFor(s, e));
    }
  }
}
