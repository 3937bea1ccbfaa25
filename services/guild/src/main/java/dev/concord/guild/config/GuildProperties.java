package dev.concord.guild.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Guild pod settings (defaults documented in application.yaml).
 *
 * @param podId this pod's identity on the guild ring
 * @param advertiseAddress host:port others reach this pod's gRPC server at (default: 127.0.0.1 and
 *     spring.grpc.server.port)
 * @param node snowflake node id (0..1023), unique per pod
 * @param registryAddress host:port of the registry
 * @param loopThreads threads that run guild event loops (0: available processors)
 * @param mailboxCapacity queued tasks per guild before RESOURCE_EXHAUSTED
 * @param relayQueueCapacity queued events per session pod before its relay stream is dropped
 * @param relayMaxBatch events per relay message at most
 * @param maxConcurrentActivations guilds activating (loading state) at once
 * @param maxPendingJoins calls waiting for activations at once; more are refused with
 *     RESOURCE_EXHAUSTED at once
 * @param retryAfter the retry-after hint sent with such refusals
 * @param activationDelay extra simulated cost of loading one guild on top of the store (0 in
 *     production; benchmarks set it)
 * @param writeQueueCapacity loop steps waiting for their group commit at most; more are refused
 *     with RESOURCE_EXHAUSTED
 * @param groupCommitMaxBatch loop steps committed in one transaction at most (1: one transaction
 *     per write)
 * @param userCacheSize users cached in memory at most (the store has them all)
 * @param storePoolSize connections to the store at most (activations beyond it wait for one)
 */
@ConfigurationProperties("concord.guild")
public record GuildProperties(
    @DefaultValue("guild-0") String podId,
    @DefaultValue("") String advertiseAddress,
    @DefaultValue("1") int node,
    @DefaultValue("127.0.0.1:7700") String registryAddress,
    @DefaultValue("0") int loopThreads,
    @DefaultValue("10000") int mailboxCapacity,
    @DefaultValue("65536") int relayQueueCapacity,
    @DefaultValue("512") int relayMaxBatch,
    @DefaultValue("64") int maxConcurrentActivations,
    @DefaultValue("10000") int maxPendingJoins,
    @DefaultValue("1s") java.time.Duration retryAfter,
    @DefaultValue("0ms") java.time.Duration activationDelay,
    @DefaultValue("65536") int writeQueueCapacity,
    @DefaultValue("1000") int groupCommitMaxBatch,
    @DefaultValue("100000") int userCacheSize,
    @DefaultValue("16") int storePoolSize) {}
