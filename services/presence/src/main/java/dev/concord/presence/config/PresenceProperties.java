package dev.concord.presence.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Presence pod settings (defaults documented in application.yaml).
 *
 * @param podId this pod's identity on the presence ring
 * @param advertiseAddress host:port others reach this pod's gRPC server at (default: 127.0.0.1 and
 *     spring.grpc.server.port)
 * @param registryAddress host:port of the registry
 * @param maxSessionsPerUser sessions tracked per user (oldest evicted beyond)
 * @param publishTimeout deadline of each publication into a guild
 */
@ConfigurationProperties("concord.presence")
public record PresenceProperties(
    @DefaultValue("presence-0") String podId,
    @DefaultValue("") String advertiseAddress,
    @DefaultValue("127.0.0.1:7700") String registryAddress,
    @DefaultValue("32") int maxSessionsPerUser,
    @DefaultValue("2s") Duration publishTimeout) {}
