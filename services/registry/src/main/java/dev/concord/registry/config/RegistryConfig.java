package dev.concord.registry.config;

import dev.concord.cluster.DirectCalls;
import java.util.Set;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import dev.concord.registry.membership.LeaseTable;
import dev.concord.registry.membership.Membership;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.concord.ring.RingMember;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class RegistryConfig {
  private static final Logger log = LoggerFactory.getLogger(RegistryConfig.class);

  /**
   * gRPC handlers on the transport's event loop ({@link DirectCalls}): leases and ring watches are
   * in memory.
   */
  @Bean
  <T extends io.grpc.ServerBuilder<T>> ServerBuilderCustomizer<T> directCalls() {
    return b -> DirectCalls.apply(b, Set.of());
  }

  @Bean
  Membership membership(RegistryProperties props) {
    Membership membership = new Membership(props.virtualNodes());
    if (props.source() != RegistryProperties.Source.STATIC) {
      if (!props.members().isEmpty()) {
        log.warn("concord.registry.members is ignored: membership source is {}", props.source());
      }
      // lease: LeaseTable fills the rings; kubernetes: EndpointsMembership (KubernetesSourceConfig)
      return membership;
    }
    for (Map.Entry<String, List<RegistryProperties.StaticMember>> e : props.members().entrySet()) {
      var role = Membership.parseRole(e.getKey());
      List<RingMember> members = new ArrayList<>();
      for (RegistryProperties.StaticMember m : e.getValue()) {
        members.add(new RingMember(m.podId(), m.address(), m.weight()));
      }
      var ring = membership.setMembers(role, members);
      log.info("static membership {}: {} (ring v{})", role, members, ring.version());
    }
    return membership;
  }

  @Bean
  LeaseTable leaseTable(Membership membership, RegistryProperties props) {
    boolean decides = props.source() == RegistryProperties.Source.LEASE;
    return new LeaseTable(membership, props.leaseGrace().toNanos(), System::nanoTime, decides);
  }

  /** Ends silent leases: checked four times per grace period, so a dead pod leaves within 1.25 × grace. */
  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService leaseSweeper(LeaseTable leases, RegistryProperties props, MeterRegistry meters) {
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("lease-sweeper").daemon().factory());
    long period = Math.max(50, props.leaseGrace().toMillis() / 4);
    s.scheduleAtFixedRate(leases::expire, period, period, TimeUnit.MILLISECONDS);
    Gauge.builder("concord.registry.leases", leases, LeaseTable::size).description("live leases").register(meters);
    return s;
  }
}
