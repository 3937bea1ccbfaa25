package dev.concord.registry.config;

import dev.concord.registry.membership.Membership;
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

  @Bean
  Membership membership(RegistryProperties props) {
    Membership membership = new Membership(props.virtualNodes());
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
}
