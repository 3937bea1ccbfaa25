package dev.concord.gateway.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Gateway settings (defaults documented in application.yaml).
 *
 * @param podId this pod's identity
 * @param advertiseAddress host:port others reach this pod's gRPC server at (default: 127.0.0.1 and
 *     spring.grpc.server.port)
 * @param publicUrl the WebSocket URL clients use (no query string); returned by GET /gateway and
 *     as READY's resume_gateway_url
 * @param registryAddress host:port of the registry
 * @param tokenSecret HS256 key of client tokens (at least 32 bytes)
 * @param heartbeatInterval the interval sent in HELLO
 * @param heartbeatGrace extra time past the interval before a silent client is closed
 * @param maxFrameBytes largest client frame accepted (larger: close 4002)
 * @param rateLimitFrames client frames allowed per rate-limit window (more: close 4008)
 * @param rateLimitWindow the rate-limit window
 * @param writeBufferBytes unsent bytes per connection that, held longer than {@code
 *     writeBufferGrace}, close it as too slow (4000); four times as many close it at once
 * @param writeBufferGrace how long a connection may hold more than {@code writeBufferBytes} unsent
 *     (a burst such as a RESUME's replay drains within it; a reader that stopped does not)
 * @param writeBudgetHeapPercent the share of the heap all connections' queued frames may take;
 *     each connection gets an equal part (at least 32 frames) and is closed past it
 * @param linkQueueCapacity queued items per session link before the link is failed
 * @param linkMaxBatch items per link message at most
 * @param linkPendingDeliveries deliveries a session link hands the event loops ahead of their
 *     writes; past it the link reads no further until half are written (the session pod's side
 *     then holds the burst); 0: no limit
 * @param drainTimeout on shutdown, how long clients get to reconnect elsewhere after op 7
 * @param restRouteLimit REST requests per user per route bucket (and channel or guild) per window
 * @param restRouteWindow the route bucket window
 * @param restGlobalLimit REST requests per user per global window, all routes together
 * @param restGlobalWindow the global window
 * @param restMaxWindows rate-limit windows kept at most (memory bound)
 * @param guildCallTimeout deadline of each call the REST API makes to a guild pod
 * @param channelCacheSize channel → guild entries cached at most
 * @param sessionStartTotal IDENTIFYs per user per session-start window (GET /gateway/bot)
 * @param sessionStartWindow the session-start window
 * @param maxConcurrency identifies a bot may start at once (reported by GET /gateway/bot)
 * @param accountTokenTtl lifetime of a token from register/login (0: no expiry)
 * @param tokenVersionTtl how long a user's token version is trusted from cache (bounds how long a
 *     pod that missed a logout's broadcast keeps accepting the revoked token)
 * @param loginAttemptsPerName login attempts per login name per login window
 * @param loginAttemptsPerAddress login attempts per client address per login window
 * @param loginWindow the login window
 * @param registrationsPerAddress registrations per client address per registration window
 * @param registrationWindow the registration window
 * @param passwordHashThreads Argon2id hashes computed at once (each ~19 MiB, tens of ms)
 * @param passwordHashQueue hashes waiting at most (more: 503)
 * @param zstdLevel compression level of compress=zstd-stream connections (1 fastest .. 19)
 * @param zstdWindowLog log2 of a zstd-stream connection's window (10..22; bounds its memory)
 * @param identifyTimeout how long a socket may stay open after HELLO without IDENTIFY or RESUME
 *     (then: close 4003)
 * @param maxConnections open client sockets per gateway pod at most (more: 429 at the upgrade; 0:
 *     no limit)
 * @param maxConnectionsPerAddress open client sockets per client address at most (more: 429 at the
 *     upgrade; 0: no limit). Behind a proxy, the address is the proxy's unless forwarded headers
 *     are trusted ({@code server.forward-headers-strategy=native})
 * @param tokenSecretPrevious during a key rotation, the key tokens were signed with before (empty:
 *     no rotation); accepted until {@code tokenSecretPreviousUntil}
 * @param tokenSecretPreviousUntil when the previous key stops being accepted (ISO-8601 instant)
 * @param compressionMemory native memory for the compressors of compress=zlib-stream and
 *     zstd-stream sockets at most (charged 256 KiB per zlib socket, 320 KiB plus the window per
 *     zstd socket; more: 429 at the upgrade; 0: no budget). Outside the heap: size it with the
 *     pod's memory limit minus the heap
 */
@ConfigurationProperties("concord.gateway")
public record GatewayProperties(
    @DefaultValue("gateway-0") String podId,
    @DefaultValue("") String advertiseAddress,
    @DefaultValue("ws://127.0.0.1:8080") String publicUrl,
    @DefaultValue("127.0.0.1:7700") String registryAddress,
    String tokenSecret,
    @DefaultValue("41250ms") Duration heartbeatInterval,
    @DefaultValue("10s") Duration heartbeatGrace,
    @DefaultValue("4096") int maxFrameBytes,
    @DefaultValue("120") int rateLimitFrames,
    @DefaultValue("60s") Duration rateLimitWindow,
    @DefaultValue("1048576") int writeBufferBytes,
    @DefaultValue("50") int writeBudgetHeapPercent,
    @DefaultValue("131072") int linkQueueCapacity,
    @DefaultValue("512") int linkMaxBatch,
    @DefaultValue("10s") Duration drainTimeout,
    @DefaultValue("20") int restRouteLimit,
    @DefaultValue("5s") Duration restRouteWindow,
    @DefaultValue("50") int restGlobalLimit,
    @DefaultValue("1s") Duration restGlobalWindow,
    @DefaultValue("100000") int restMaxWindows,
    @DefaultValue("10s") Duration guildCallTimeout,
    @DefaultValue("100000") int channelCacheSize,
    @DefaultValue("1000") int sessionStartTotal,
    @DefaultValue("24h") Duration sessionStartWindow,
    @DefaultValue("1") int maxConcurrency,
    @DefaultValue("30d") Duration accountTokenTtl,
    @DefaultValue("30s") Duration tokenVersionTtl,
    @DefaultValue("10") int loginAttemptsPerName,
    @DefaultValue("30") int loginAttemptsPerAddress,
    @DefaultValue("5m") Duration loginWindow,
    @DefaultValue("10") int registrationsPerAddress,
    @DefaultValue("1h") Duration registrationWindow,
    @DefaultValue("2") int passwordHashThreads,
    @DefaultValue("64") int passwordHashQueue,
    @DefaultValue("6") int zstdLevel,
    @DefaultValue("17") int zstdWindowLog,
    @DefaultValue("20s") Duration identifyTimeout,
    @DefaultValue("50000") int maxConnections,
    @DefaultValue("1000") int maxConnectionsPerAddress,
    @DefaultValue("") String tokenSecretPrevious,
    @DefaultValue("1970-01-01T00:00:00Z") java.time.Instant tokenSecretPreviousUntil,
    @DefaultValue("2s") Duration writeBufferGrace,
    @DefaultValue("256MB") org.springframework.util.unit.DataSize compressionMemory,
    @DefaultValue("262144") long linkPendingDeliveries) {
  public GatewayProperties {
    if (zstdLevel < 1 || zstdLevel > 19) {
      throw new IllegalArgumentException("concord.gateway.zstd-level out of range: " + zstdLevel + " (expected: 1..19)");
    }
    if (!tokenSecretPrevious.isEmpty() && tokenSecretPrevious.length() < 32) {
      throw new IllegalArgumentException("concord.gateway.token-secret-previous must be at least 32 characters (or empty)");
    }
    if (identifyTimeout.isNegative() || identifyTimeout.isZero()) {
      throw new IllegalArgumentException("concord.gateway.identify-timeout must be positive: " + identifyTimeout);
    }
    if (maxConnections < 0 || maxConnectionsPerAddress < 0) {
      throw new IllegalArgumentException("concord.gateway.max-connections(-per-address) must be >= 0 (0: no limit)");
    }
    if (compressionMemory.isNegative()) {
      throw new IllegalArgumentException("concord.gateway.compression-memory must be >= 0 (0: no budget)");
    }
    if (linkPendingDeliveries < 0) {
      throw new IllegalArgumentException("concord.gateway.link-pending-deliveries must be >= 0 (0: no limit)");
    }
    if (zstdWindowLog < 10 || zstdWindowLog > 22) {
      throw new IllegalArgumentException("concord.gateway.zstd-window-log out of range: " + zstdWindowLog + " (expected: 10..22)");
    }
  }

  /** The settings without the token keys (records print every component; keys must never reach a log). */
  @Override
  public String toString() {
    return "GatewayProperties[podId=" + podId + ", publicUrl=" + publicUrl + ", registryAddress=" + registryAddress
        + ", tokenSecret=(" + (tokenSecret == null ? 0 : tokenSecret.length()) + " chars, hidden)"
        + ", tokenSecretPrevious=(" + (tokenSecretPrevious.isEmpty() ? "none" : "hidden") + ", until " + tokenSecretPreviousUntil + ")"
        + ", maxFrameBytes=" + maxFrameBytes + ", maxConnections=" + maxConnections
        + ", maxConnectionsPerAddress=" + maxConnectionsPerAddress + ", identifyTimeout=" + identifyTimeout + ", ...]";
  }
}
