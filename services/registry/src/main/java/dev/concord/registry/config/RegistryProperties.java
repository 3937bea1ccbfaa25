package dev.concord.registry.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Registry settings (defaults documented in application.yaml).
 *
 * @param virtualNodes virtual nodes per member per unit of weight
 * @param source where membership comes from: {@code lease} (pods hold leases over
 *     Registry.Lease) or {@code static} ({@link #members})
 * @param heartbeatInterval how often lease holders heartbeat
 * @param leaseGrace silence after which a lease ends (the pod leaves the ring)
 * @param members static membership per role (gateway, session, guild, presence), used when
 *     {@code source} is {@code static}
 */
@ConfigurationProperties("concord.registry")
public record RegistryProperties(
    @DefaultValue("512") int virtualNodes,
    @DefaultValue("lease") String source,
    @DefaultValue("1s") Duration heartbeatInterval,
    @DefaultValue("3s") Duration leaseGrace,
    @DefaultValue Map<String, List<StaticMember>> members) {

  /**
   * @param podId stable pod identity
   * @param address host:port of the pod's gRPC server
   * @param weight relative ring share (default 1)
   */
  public record StaticMember(String podId, String address, @DefaultValue("1") int weight) {}
}
