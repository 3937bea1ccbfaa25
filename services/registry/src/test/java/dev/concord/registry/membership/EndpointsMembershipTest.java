package dev.concord.registry.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.ring.RingMember;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import org.junit.jupiter.api.Test;

/** How one Endpoints object reads as ring members. */
class EndpointsMembershipTest {
  private static EndpointAddress pod(String name, String ip) {
    return new EndpointAddressBuilder().withIp(ip).withNewTargetRef().withKind("Pod").withName(name).endTargetRef().build();
  }

  @Test
  void readyMembers_readyAndNotReadyAddresses_onlyReadyPodsAtTheirGrpcPort() {
    Endpoints e =
        new EndpointsBuilder()
            .withNewMetadata().withName("concord-guild").withResourceVersion("41").endMetadata()
            .addNewSubset()
            .addNewPort().withName("management").withPort(8710).endPort()
            .addNewPort().withName("grpc").withPort(7710).endPort()
            .withAddresses(pod("guild-1", "127.0.0.12"), pod("guild-0", "127.0.0.11"))
            .withNotReadyAddresses(pod("guild-2", "127.0.0.13"))
            .endSubset()
            .build();

    assertThat(EndpointsMembership.readyMembers(e, "grpc"))
        .containsExactly(new RingMember("guild-0", "127.0.0.11:7710"), new RingMember("guild-1", "127.0.0.12:7710"));
    assertThat(EndpointsMembership.revision(e)).isEqualTo(41);
  }

  @Test
  void readyMembers_subsetWithoutGrpcPortOrAddressWithoutPod_skipped() {
    Endpoints e =
        new EndpointsBuilder()
            .withNewMetadata().withName("concord-session").endMetadata()
            .addNewSubset()
            .addNewPort().withName("http").withPort(8080).endPort()
            .withAddresses(pod("session-9", "127.0.0.19"))
            .endSubset()
            .addNewSubset()
            .addNewPort().withName("grpc").withPort(7720).endPort()
            .withAddresses(
                pod("session-0", "127.0.0.21"),
                new EndpointAddressBuilder().withIp("127.0.0.22").build(),
                new EndpointAddressBuilder()
                    .withIp("127.0.0.23").withNewTargetRef().withKind("Node").withName("node-a").endTargetRef().build())
            .endSubset()
            .build();

    assertThat(EndpointsMembership.readyMembers(e, "grpc")).containsExactly(new RingMember("session-0", "127.0.0.21:7720"));
    assertThat(EndpointsMembership.revision(e)).isZero();
  }

  @Test
  void readyMembers_ipv6Address_bracketed() {
    Endpoints e =
        new EndpointsBuilder()
            .addNewSubset()
            .addNewPort().withName("grpc").withPort(7710).endPort()
            .withAddresses(pod("guild-0", "::1"))
            .endSubset()
            .build();

    assertThat(EndpointsMembership.readyMembers(e, "grpc")).containsExactly(new RingMember("guild-0", "[::1]:7710"));
  }

  @Test
  void readyMembers_noSubsets_empty() {
    assertThat(EndpointsMembership.readyMembers(new EndpointsBuilder().build(), "grpc")).isEmpty();
    assertThat(EndpointsMembership.readyMembers(null, "grpc")).isEmpty();
  }
}
