package dev.concord.session.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Session pod settings (defaults documented in application.yaml).
 *
 * @param podId this pod's identity on the session ring
 * @param advertiseAddress host:port others reach this pod's gRPC server at (default: 127.0.0.1 and
 *     spring.grpc.server.port)
 * @param registryAddress host:port of the registry
 * @param workers relay/session workers (0: available processors)
 * @param workerQueueCapacity queued tasks per worker
 * @param linkQueueCapacity queued frames per gateway link before the link is failed
 * @param linkMaxBatch frames per link message at most
 * @param maxHeldPerGuild events held per guild while a join is in flight
 * @param joinTimeout deadline of a join call
 * @param relayAttachTimeout how long a join waits for the guild pod's relay stream to attach
 * @param presenceTimeout deadline of presence calls
 * @param joinBulkhead the semaphore bulkhead and retry policy on the join path
 * @param resumeWindow how long a session whose socket was lost stays resumable
 * @param replayMaxEvents dispatches kept per session for RESUME
 * @param replayMaxBytes payload bytes kept per session for RESUME
 * @param passive passive sessions of user clients in guilds they are not looking at
 * @param maxSessionsPerUser live sessions one user may hold at once (all of a user's sessions live
 *     on the pod that owns it); one more IDENTIFY is closed with 4008
 * @param maxConcurrency a bot's shard buckets, {@code shard_id % maxConcurrency}: keep it equal to
 *     the gateways' {@code concord.gateway.max-concurrency}, which {@code GET /gateway/bot} reports
 * @param identifyConcurrencyWindow each bucket starts one session per this window (sooner:
 *     INVALID_SESSION, and the bot identifies again); 0: no buckets. Users have none
 */
@ConfigurationProperties("concord.session")
public record SessionProperties(
    @DefaultValue("session-0") String podId,
    @DefaultValue("") String advertiseAddress,
    @DefaultValue("127.0.0.1:7700") String registryAddress,
    @DefaultValue("0") int workers,
    @DefaultValue("65536") int workerQueueCapacity,
    @DefaultValue("131072") int linkQueueCapacity,
    @DefaultValue("512") int linkMaxBatch,
    @DefaultValue("1024") int maxHeldPerGuild,
    @DefaultValue("5s") Duration joinTimeout,
    @DefaultValue("5s") Duration relayAttachTimeout,
    @DefaultValue("2s") Duration presenceTimeout,
    @DefaultValue JoinBulkhead joinBulkhead,
    @DefaultValue("120s") Duration resumeWindow,
    @DefaultValue("1000") int replayMaxEvents,
    @DefaultValue("1048576") long replayMaxBytes,
    @DefaultValue Passive passive,
    @DefaultValue("1000") int maxSessionsPerUser,
    @DefaultValue("1") int maxConcurrency,
    @DefaultValue("5s") Duration identifyConcurrencyWindow) {

  /**
   * @param enabled false: every session is active everywhere (benchmarks compare both)
   * @param maxActiveGuilds guilds a session is active in at once (op 14); one more makes the least
   *     recently subscribed passive
   * @param unreadInterval how often passive sessions get their unread markers (PASSIVE_UPDATE_V1)
   * @param keptEvents recent events each worker keeps per guild while a join is in flight or a
   *     session is passive (what the join's answer or the switch to active needs)
   * @param keptBytesPerGuild payload bytes kept per guild and worker for them
   * @param keptBytesTotal payload bytes kept for them over the pod
   */
  public record Passive(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("10") int maxActiveGuilds,
      @DefaultValue("1s") Duration unreadInterval,
      @DefaultValue("4096") int keptEvents,
      @DefaultValue("4194304") long keptBytesPerGuild,
      @DefaultValue("268435456") long keptBytesTotal) {
    public Passive {
      if (maxActiveGuilds < 1 || unreadInterval.toMillis() < 10 || keptEvents < 1 || keptBytesPerGuild < 1 || keptBytesTotal < 1) {
        throw new IllegalArgumentException(
            "concord.session.passive: max-active-guilds, kept-events and kept bytes must be >= 1 and unread-interval >= 10ms");
      }
    }

    public dev.concord.session.core.PassiveSessions.Policy policy() {
      return new dev.concord.session.core.PassiveSessions.Policy(
          enabled, maxActiveGuilds, unreadInterval, keptEvents, keptBytesPerGuild, keptBytesTotal);
    }
  }

  /**
   * @param enabled false turns the bulkhead off: every join is its own call, sent at once (still
   *     retried); benchmarks compare both
   * @param maxConcurrentPerPod outstanding join calls per guild pod; joins beyond wait in the pod's
   *     lane (no call, no timer) and leave in batches as calls complete
   * @param maxAttempts attempts per join (calls or outcomes that failed retryably)
   * @param backoffBase first retry delay bound (full jitter)
   * @param backoffCap largest retry delay bound
   * @param batchSize joins per JoinBatch call at most (1..256)
   * @param maxQueuedPerPod joins waiting for one guild pod at most; beyond, a join fails at once
   */
  public record JoinBulkhead(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("32") int maxConcurrentPerPod,
      @DefaultValue("20") int maxAttempts,
      @DefaultValue("50ms") Duration backoffBase,
      @DefaultValue("5s") Duration backoffCap,
      @DefaultValue("64") int batchSize,
      @DefaultValue("1000000") int maxQueuedPerPod) {}
}
