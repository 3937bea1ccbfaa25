package dev.concord.devsuite;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServiceNameConverterTest {
  @Test
  void serviceOf_concordLoggers_byPackage() {
    assertThat(ServiceNameConverter.serviceOf("dev.concord.guild.core.GuildHost", "main")).isEqualTo("concord-guild");
    assertThat(ServiceNameConverter.serviceOf("dev.concord.gateway.rest.RestErrors", "reactor-http-epoll-1")).isEqualTo("concord-gateway");
    assertThat(ServiceNameConverter.serviceOf("dev.concord.registry.RegistryApplication", "main")).isEqualTo("concord-registry");
  }

  @Test
  void serviceOf_otherLoggers_byThreadName_elseShared() {
    assertThat(ServiceNameConverter.serviceOf("dev.concord.cluster.RingWatcher", "guild-loop-3")).isEqualTo("concord-guild");
    assertThat(ServiceNameConverter.serviceOf("io.grpc.netty.NettyServerHandler", "gw-link-send-7")).isEqualTo("concord-gateway");
    assertThat(ServiceNameConverter.serviceOf("org.springframework.boot.SpringApplication", "main")).isEqualTo("concord");
  }
}
