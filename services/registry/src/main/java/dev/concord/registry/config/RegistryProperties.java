package dev.concord.registry.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Registry settings (defaults documented in concord-registry.yaml).
 *
 * @param virtualNodes virtual nodes per member per unit of weight
 * @param source where membership comes from (see {@link Source})
 * @param heartbeatInterval how often lease holders heartbeat
 * @param leaseGrace silence after which a lease ends (the pod leaves the ring)
 * @param members static membership per role (gateway, session, guild, presence), used when
 *     {@code source} is {@code static}
 * @param kubernetes where the Kubernetes source looks, used when {@code source} is {@code
 *     kubernetes}
 */
@ConfigurationProperties("concord.registry")
public record RegistryProperties(
    @DefaultValue("512") int virtualNodes,
    @DefaultValue("lease") Source source,
    @DefaultValue("1s") Duration heartbeatInterval,
    @DefaultValue("3s") Duration leaseGrace,
    @DefaultValue Map<String, List<StaticMember>> members,
    @DefaultValue Kubernetes kubernetes) {

  /** Where membership comes from. */
  public enum Source {
    /** Pods join over Registry.Lease and heartbeat; a lease decides membership. */
    LEASE,
    /** {@code concord.registry.members}; pods' leases are refused. */
    STATIC,
    /**
     * The ready endpoints of each role's headless Service; pods' leases are accepted and kept but
     * decide nothing.
     */
    KUBERNETES
  }

  /**
   * @param podId stable pod identity
   * @param address host:port of the pod's gRPC server
   * @param weight relative ring share (default 1)
   */
  public record StaticMember(String podId, String address, @DefaultValue("1") int weight) {}

  /**
   * @param namespace where the Services live; empty: the namespace the Kubernetes client is
   *     configured with (in a pod: its own)
   * @param services the headless Service of each role (gateway, session, guild, presence); a role
   *     without one keeps an empty ring
   * @param portName the endpoint port that is a member's gRPC server
   * @param initialSyncTimeout how long startup waits for the first list of every Service's
   *     endpoints before it fails
   */
  public record Kubernetes(
      @DefaultValue("") String namespace,
      @DefaultValue Map<String, String> services,
      @DefaultValue("grpc") String portName,
      @DefaultValue("30s") Duration initialSyncTimeout) {}
}
