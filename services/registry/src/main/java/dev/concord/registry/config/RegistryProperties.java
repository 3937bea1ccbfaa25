package dev.concord.registry.config;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Registry settings (defaults documented in application.yaml).
 *
 * @param virtualNodes virtual nodes per member per unit of weight
 * @param members static membership per role (gateway, session, guild, presence): the source used
 *     until leases or Kubernetes discovery replace it
 */
@ConfigurationProperties("concord.registry")
public record RegistryProperties(
    @DefaultValue("512") int virtualNodes, @DefaultValue Map<String, List<StaticMember>> members) {

  /**
   * @param podId stable pod identity
   * @param address host:port of the pod's gRPC server
   * @param weight relative ring share (default 1)
   */
  public record StaticMember(String podId, String address, @DefaultValue("1") int weight) {}
}
