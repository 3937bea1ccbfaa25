package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import io.grpc.Deadline;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guild runtime of this pod: which guilds are active here, their activation from the store,
 * ownership checks, the loop step that runs an operation ({@link #submit}), the journal that makes
 * it durable before its events go out, and eviction. The operations themselves live elsewhere
 * ({@link MessageOps}, {@link ChannelOps}, {@link MemberOps}, {@link RoleOps}, reached through
 * {@link GuildCommands}); adding one does not touch this class.
 *
 * <p>Each operation is a task on the guild's {@link GuildEventLoop}: validated, applied to the
 * {@link GuildState}, and its events handed to the {@link Fanout}, all in one step, so the order of
 * changes is the order of events.
 *
 * <p>Results are {@link CompletableFuture}s completed on the loop; failures are {@link
 * GuildException}s. A full mailbox fails at once with RESOURCE_EXHAUSTED.
 *
 * <p>Concurrency: the map of active guilds is concurrent; each guild's state is confined to its
 * loop.
 */
public final class GuildHost {
  private static final Logger log = LoggerFactory.getLogger(GuildHost.class);
  /** Messages a re-joining session catches up on at most (older ones: the history API). */
  public static final int MAX_CATCH_UP = 500;
  public static final int MAX_NAME_LENGTH = 100;

  /**
   * A guild on this pod: its loop, its state (loaded from the store by the activation), and
   * whether it is loaded. Once {@code evicted} (ownership lost, or a write failed so that the
   * memory went ahead of the store) it is out of the map and a later call loads a fresh one.
   */
  static final class Active {
    final long guildId;
    final GuildEventLoop loop;
    /** What the loop has been doing (introspection). */
    final GuildActivity activity = new GuildActivity();
    /** Written once by the activation before {@link #activation} completes; read on the loop. */
    volatile @Nullable GuildState state;
    /** Completed once loaded; null while dormant (nobody asked for it since passivation). */
    volatile @Nullable CompletableFuture<Void> activation;
    volatile boolean evicted;

    Active(long guildId, GuildEventLoop loop, @Nullable GuildState state) {
      this.guildId = guildId;
      this.loop = loop;
      this.state = state;
      this.activation = state != null ? CompletableFuture.completedFuture(null) : null;
    }

    GuildEventLoop loop() {
      return loop;
    }

    GuildState state() {
      GuildState g = state;
      if (g == null) {
        throw new IllegalStateException("guild " + Long.toUnsignedString(guildId) + " used before activation");
      }
      return g;
    }

    boolean isActive() {
      CompletableFuture<Void> a = activation;
      return a != null && a.isDone() && !a.isCompletedExceptionally();
    }
  }

  private GuildLoader loader;
  private java.util.concurrent.Executor activationPool = Runnable::run;
  private java.util.concurrent.Executor readPool = Runnable::run;
  private java.util.concurrent.Executor auditPool = Runnable::run;

  /**
   * Where store reads for callers run (re-join catch-up, history): a bounded pool, so that a burst
   * of them is refused (RESOURCE_EXHAUSTED) instead of queueing behind activations.
   */
  public GuildHost withReads(java.util.concurrent.Executor pool) {
    this.readPool = pool;
    return this;
  }

  /**
   * Where the store is asked which guilds another pod claimed ({@link #ringChanged}): apart from
   * the read pool, so that it does not wait behind the catch-up reads of re-joining sessions.
   */
  public GuildHost withEpochAudits(java.util.concurrent.Executor pool) {
    this.auditPool = pool;
    return this;
  }

  private GuildTimings timings = GuildTimings.NONE;

  private dev.concord.tracing.Tracing tracing = dev.concord.tracing.Tracing.off();

  /** Spans of sampled operations (see {@link StepTrace}); off by default. */
  public GuildHost withTracing(dev.concord.tracing.Tracing tracing) {
    this.tracing = tracing;
    return this;
  }

  /** Where operations' mailbox wait and apply times go (the pod's histograms). */
  public GuildHost withTimings(GuildTimings timings) {
    this.timings = timings;
    return this;
  }
  private JoinAdmission admission = new JoinAdmission(Integer.MAX_VALUE, 1000);

  /**
   * Sets how guilds activate: {@code loader} runs on {@code pool} (whose size bounds concurrent
   * activations), and calls waiting for an activation are bounded by {@code admission}.
   */
  public GuildHost withActivation(GuildLoader loader, java.util.concurrent.Executor pool, JoinAdmission admission) {
    this.loader = loader;
    this.activationPool = pool;
    this.admission = admission;
    return this;
  }

  public JoinAdmission admission() {
    return admission;
  }

  /**
   * Forgets every active guild (benchmarks: a cold pod): the next call to each loads it from the
   * store again. Its subscribers are not told; use on a pod without sessions.
   */
  public void passivateAll() {
    for (Active a : List.copyOf(guilds.values())) {
      a.evicted = true;
      guilds.remove(a.guildId, a);
    }
  }

  private CompletableFuture<Void> activate(Active a) {
    synchronized (a) {
      CompletableFuture<Void> f = a.activation;
      if (f != null && !f.isCompletedExceptionally()) {
        return f;
      }
      if (a.evicted || guilds.get(a.guildId) != a) {
        // a copy that left the map (its load failed, or it was evicted): never load it again, or a
        // session could subscribe to a copy nobody writes through
        return CompletableFuture.failedFuture(
            new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(a.guildId) + " is reloading; retry"));
      }
      CompletableFuture<Void> started = new CompletableFuture<>();
      a.activation = started;
      activationPool.execute(
          () -> {
            long t0 = System.nanoTime();
            try {
              GuildState loaded = loader.load(a.guildId);
              if (loaded == null) {
                a.evicted = true;
                guilds.remove(a.guildId, a);
                started.completeExceptionally(
                    new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_GUILD, "unknown guild: " + Long.toUnsignedString(a.guildId)));
                return;
              }
              // ids made here sort after every stored message, whatever this pod's clock says
              ids.advancePast(loaded.loadedMaxMessageId);
              a.state = loaded;
              admission.activated(System.nanoTime() - t0);
              started.complete(null);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              started.completeExceptionally(new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "activation interrupted"));
            } catch (RuntimeException e) {
              log.warn("activation of guild {} failed", Long.toUnsignedString(a.guildId), e);
              a.evicted = true;
              guilds.remove(a.guildId, a);
              started.completeExceptionally(
                  new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(a.guildId) + " could not be loaded; retry"));
            }
          });
      return started;
    }
  }

  private final ConcurrentHashMap<Long, Active> guilds = new ConcurrentHashMap<>();
  private final GuildStore store;
  private final GuildJournal journal;
  private final CatchUp catchUps;
  private final Users users;
  private final Payloads payloads;
  private final GuildSnapshot snapshots;
  private final SnowflakeGenerator ids;
  private final Executor loopPool;
  private final Fanout fanout;
  private final Ownership ownership;
  private final EpochAudit epochAudit;
  private final int mailboxCapacity;
  private final Clock clock;

  public GuildHost(
      GuildStore store,
      GuildJournal journal,
      Users users,
      Payloads payloads,
      SnowflakeGenerator ids,
      Executor loopPool,
      Fanout fanout,
      Ownership ownership,
      int mailboxCapacity,
      Clock clock) {
    this.store = store;
    this.journal = journal;
    this.users = users;
    this.payloads = payloads;
    this.snapshots = new GuildSnapshot(payloads, users);
    this.catchUps = new CatchUp(payloads, users);
    this.loader = new GuildLoader.FromStore(store, users, Long.parseLong(Payloads.EVERYONE_PERMISSIONS), 0);
    this.ids = ids;
    this.loopPool = loopPool;
    this.fanout = fanout;
    this.ownership = ownership;
    this.epochAudit = new EpochAudit(store);
    this.mailboxCapacity = mailboxCapacity;
    this.clock = clock;
  }

  public Users users() {
    return users;
  }

  /** What operations on this pod's guilds share (rendering, users, ids, clock). */
  public OpContext opContext() {
    return new OpContext(payloads, users, ids, clock);
  }

  public Ownership ownership() {
    return ownership;
  }

  public int activeGuilds() {
    return guilds.size();
  }

  /** The guilds held here (introspection). */
  java.util.Collection<Active> actives() {
    return guilds.values();
  }

  @Nullable Active active(long guildId) {
    return guilds.get(guildId);
  }

  /** Writes appended to the journal and not yet committed. */
  int journalPending() {
    return journal.depth();
  }

  /** Sum of the mailbox depths of all active guilds. */
  public long pendingTasks() {
    long n = 0;
    for (Active a : guilds.values()) {
      n += a.loop().depth();
    }
    return n;
  }

  public Users.User createUser(String username, String globalName, boolean bot) {
    Checks.name("username", username, 2, 32);
    return users.create(ids.next(), username, globalName, bot);
  }

  /** A new snowflake from this pod's generator (the id of a registered user). */
  public long nextId() {
    return ids.next();
  }

  public CompletableFuture<GuildState> createGuild(String name, long ownerId) {
    Checks.name("guild name", name, 2, MAX_NAME_LENGTH);
    users.get(ownerId);
    // A new guild lives on the pod that creates it: draw ids until the ring gives one to this pod
    // (about one draw per guild pod; snowflakes cost nanoseconds).
    long drawn = ids.next();
    for (int tries = 1; !ownership.owns(drawn); tries++) {
      if (tries >= 100_000) {
        throw GuildException.wrongOwner(drawn, ownership.ringVersion(), ownership.ownerOf(drawn));
      }
      drawn = ids.next();
    }
    long id = drawn;
    GuildState state = new GuildState(id, name, ownerId, Long.parseLong(Payloads.EVERYONE_PERMISSIONS), 1);
    Active active = new Active(id, new GuildEventLoop("guild-" + id, loopPool, mailboxCapacity), state);
    guilds.put(id, active);
    return run(
        active,
        null,
        (g, step) -> {
          long now = clock.millis();
          g.members.put(ownerId, new GuildState.Member(ownerId, now));
          g.membersChanged();
          step.write(new GuildStore.NewGuild(id, name, ownerId, g.epoch));
          step.write(new GuildStore.MemberRow(id, ownerId, Instant.ofEpochMilli(now), List.of()));
          g.seq++;
          return g;
        },
        null);
  }

  /**
   * Subscribes a session and snapshots the guild for it in the same loop step: every later event
   * has a seq above {@link JoinResult#snapshotSeq()} and is fanned out to the session.
   *
   * <p>With {@code sinceMessageId != 0} (a re-join after the guild moved) the result also
   * carries the durable messages with {@code sinceMessageId < id <= snapshotMessageId} in channels
   * the member can view. The join then waits until every earlier write of the guild is durable, so
   * none of those messages can be missing from the store when it is read.
   */
  public CompletableFuture<JoinResult> join(
      long guildId,
      String sessionId,
      long sessionKey,
      long userId,
      String podId,
      long intents,
      int largeThreshold,
      long sinceMessageId,
      @Nullable Deadline deadline) {
    boolean messages = sinceMessageId != 0 && Intents.permits(intents, Intents.GUILD_MESSAGES);
    boolean reactions = sinceMessageId != 0 && Intents.permits(intents, Intents.GUILD_MESSAGE_REACTIONS);
    boolean catchUp = messages || reactions;
    CompletableFuture<JoinResult> joined =
        call(
            guildId,
            deadline,
            (g, step) -> {
              GuildState.Member self = g.members.get(userId);
              if (self == null) {
                throw Checks.notAMember(GuildException.Kind.PERMISSION_DENIED, userId, guildId);
              }
              g.subscribe(new GuildState.Subscriber(sessionId, sessionKey, userId, podId, intents));
              long[] hidden = GuildSnapshot.hiddenChannels(g, self);
              g.hiddenBySession.put(sessionId, hidden);
              // Every message created later on this pod gets a larger id (one generator, one loop);
              // earlier owners' messages are older.
              long snapshotMessageId = ids.next();
              if (catchUp) {
                step.barrier(); // wait until every earlier write of the guild is durable
              }
              return new JoinResult(
                  g.seq, snapshots.guildCreate(g, self, intents, largeThreshold, hidden), hidden, snapshotMessageId, List.of());
            });
    if (!catchUp) {
      return joined;
    }
    return joined
        .thenApplyAsync(
            r -> {
              if (deadline != null && deadline.isExpired()) {
                // the session gave up (it will retry): reading for it would only add load
                throw new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "deadline passed before the catch-up read");
              }
              return CatchUp.read(store, guildId, sinceMessageId, r.snapshotMessageId(), messages, reactions);
            },
            readPool)
        .thenCompose(
            missed ->
                missed.isEmpty()
                    ? joined
                    // joined is done: this stage follows it
                    : call(guildId, null, (g, step) -> catchUps.render(g, joined.join(), missed)));
  }

  /**
   * Runs {@code check} on the guild's loop (an ordering barrier too: the read then sees every
   * write acknowledged before this call), then {@code read} with its result on the bounded read
   * pool (RESOURCE_EXHAUSTED when that is full). For store reads on behalf of a caller: history,
   * and the rows that message operations act on.
   */
  public <T, R> CompletableFuture<R> read(long guildId, GuildOp<T> check, java.util.function.Function<T, R> read) {
    return call(
            guildId,
            null,
            (g, step) -> {
              T value = check.apply(g, step);
              step.barrier();
              return value;
            })
        .thenApplyAsync(read, readPool);
  }

  /** The bounded pool store reads for callers run on. */
  public Executor readPool() {
    return readPool;
  }

  /** The store this pod's guilds are durable in (for reads; every write goes through {@link #submit}). */
  public GuildStore store() {
    return store;
  }

  /**
   * Takes a guild out of this pod's memory: its state went ahead of the store (a write failed or
   * was fenced), the ring gave it to another pod, or another pod claimed it unseen. The next call
   * loads it again from the store. Its subscribers get a _REJOIN event (after every event already
   * sent) and join again on the ring's owner, catching up on what they missed. False if it was
   * evicted already.
   */
  private boolean evict(Active a) {
    synchronized (a) {
      if (a.evicted) {
        return false;
      }
      a.evicted = true;
    }
    guilds.remove(a.guildId, a);
    boolean queued =
        a.loop.submitControl(
            () -> {
              GuildState g = a.state;
              if (g != null && !g.subscribers.isEmpty()) {
                g.seq++;
                fanout.rejoin(g).run();
              }
            });
    if (!queued) {
      log.warn("guild {} evicted but its loop is gone: its sessions are not told", Long.toUnsignedString(a.guildId));
    }
    return true;
  }

  /**
   * The ring changed: forgets every guild this pod no longer owns, so that if the ring gives one
   * back later it is loaded again from the store (with what the other owner wrote meanwhile)
   * instead of reusing this stale copy; then asks the store whether another pod claimed one of
   * those it still owns (see {@link EpochAudit}) and forgets those too. Either way the guild's
   * sessions are told to re-join (_REJOIN): a session pod that missed a ring version (a move and
   * the move back within its poll) cannot see the move in its own ring.
   *
   * @return how many guilds the store showed claimed elsewhere (fails if the store could not be
   *     asked; see {@link OwnershipWatch} for when this runs)
   */
  public CompletableFuture<Integer> ringChanged() {
    List<Active> owned = new ArrayList<>();
    for (Active a : List.copyOf(guilds.values())) {
      if (!ownership.owns(a.guildId)) {
        evict(a);
      } else if (a.isActive()) {
        owned.add(a);
      }
    }
    return epochAudit.evictClaimedElsewhere(owned, auditPool, this::evict);
  }

  public CompletableFuture<Boolean> leave(long guildId, String sessionId) {
    Active a = guilds.get(guildId);
    if (a == null || !a.isActive()) {
      // not loaded here: nobody is subscribed to it on this pod
      return CompletableFuture.completedFuture(false);
    }
    return run(a, null, (g, step) -> g.unsubscribe(sessionId), null);
  }

  /**
   * Runs {@code op} on the guild's loop (loading the guild first if it is dormant here): its rows
   * are group-committed, then its events are sent in order, then the future completes. Fails at
   * once with WRONG_OWNER if the ring gives the guild to another pod, and with RESOURCE_EXHAUSTED
   * when the guild's mailbox or the pod's journal is full.
   */
  public <T> CompletableFuture<T> submit(long guildId, GuildOp<T> op) {
    return call(guildId, null, op);
  }

  private <T> CompletableFuture<T> call(long guildId, @Nullable Deadline deadline, GuildOp<T> op) {
    if (!ownership.owns(guildId)) {
      Active stale = guilds.get(guildId);
      if (stale != null) {
        evict(stale);
      }
      throw GuildException.wrongOwner(guildId, ownership.ringVersion(), ownership.ownerOf(guildId));
    }
    // Not active here: load it from the store (NOT_FOUND if the store has no such guild).
    Active a = guilds.computeIfAbsent(guildId, id -> new Active(id, new GuildEventLoop("guild-" + id, loopPool, mailboxCapacity), null));
    StepTrace trace = StepTrace.begin(tracing);
    if (a.isActive()) {
      return run(a, deadline, op, trace);
    }
    if (deadline != null && deadline.isExpired()) {
      throw new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "deadline passed before activation");
    }
    // Dormant: wait for the activation, within the admission bound (refused at once beyond it).
    admission.enter();
    CompletableFuture<Void> activated = activate(a);
    if (trace != null) {
      trace.activating(activated);
    }
    CompletableFuture<T> result = activated.thenCompose(v -> run(a, deadline, op, trace));
    result.whenComplete((r, e) -> admission.exit());
    return result;
  }

  private <T> CompletableFuture<T> run(Active a, @Nullable Deadline deadline, GuildOp<T> op, @Nullable StepTrace trace) {
    CompletableFuture<T> result = new CompletableFuture<>();
    long submitted = System.nanoTime();
    if (trace != null) {
      trace.submitted();
    }
    boolean accepted =
        a.loop()
            .submit(
                () -> {
                  long started = System.nanoTime();
                  timings.loopWait(started - submitted);
                  if (trace != null) {
                    trace.started(a.guildId);
                  }
                  if (deadline != null && deadline.isExpired()) {
                    // The caller has given up; doing the work would only add load.
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "deadline passed while queued"));
                    return;
                  }
                  long guildId = a.guildId;
                  if (!ownership.owns(guildId)) {
                    // The ring moved the guild away while this task waited: the new owner applies
                    // its events from now on, never both (its claim fences our writes anyway).
                    evict(a);
                    result.completeExceptionally(
                        GuildException.wrongOwner(guildId, ownership.ringVersion(), ownership.ownerOf(guildId)));
                    return;
                  }
                  if (a.evicted) {
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(guildId) + " is reloading; retry"));
                    return;
                  }
                  GuildState g = a.state;
                  if (g == null) {
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(guildId) + " is loading; retry"));
                    return;
                  }
                  if (g.deleted) {
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_GUILD, "unknown guild: " + Long.toUnsignedString(guildId)));
                    return;
                  }
                  if (!journal.reserve()) {
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "guild pod write queue is full; retry"));
                    return;
                  }
                  T value;
                  Step step = new Step(g, fanout);
                  long seqBefore = g.seq;
                  a.activity.applied(clock.millis(), g.subscribers.size()); // introspection: rate and subscribers
                  try {
                    value = op.apply(g, step);
                  } catch (RuntimeException e) {
                    // a refused operation validates before it mutates; only its events' seqs are undone
                    g.seq = seqBefore;
                    journal.release();
                    if (trace != null) {
                      trace.applied(e);
                    }
                    result.completeExceptionally(e);
                    return;
                  } finally {
                    timings.apply(System.nanoTime() - started);
                  }
                  if (trace != null) {
                    trace.applied(null);
                  }
                  if (step.isEmpty()) {
                    journal.release();
                    result.complete(value);
                    return;
                  }
                  // Durable first, then the events (in the guild's order), then the caller's ack.
                  List<GuildStore.Write> writes = List.copyOf(step.writes());
                  Runnable[] sends = step.sends().toArray(new Runnable[0]);
                  if (trace != null) {
                    trace.appended(writes.size());
                  }
                  journal.append(
                      new GuildJournal.Entry(
                          guildId,
                          g.epoch,
                          writes,
                          () -> {
                            StepTrace.send(sends, trace);
                            result.complete(value);
                          },
                          error -> {
                            if (trace != null) {
                              trace.failed(error);
                            }
                            evict(a);
                            result.completeExceptionally(error);
                          }));
                });
    if (!accepted) {
      result.completeExceptionally(
          new GuildException(
              GuildException.Kind.RESOURCE_EXHAUSTED,
              "guild " + Long.toUnsignedString(a.guildId) + " event loop is full (" + mailboxCapacity + " tasks)"));
    }
    return result;
  }
}
