package dev.concord.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.common.v1.Role;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.Guild;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.ListMessagesRequest;
import dev.concord.proto.guild.v1.Message;
import dev.concord.protocol.Intents;
import dev.concord.testkit.Await;
import dev.concord.testkit.GatewayClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A guild owner cut off from the cluster by a real network partition, while it keeps running,
 * keeps its store and takes calls from its own side (issue 17; {@link PodNetwork}: network
 * namespaces, veth, blackhole routes). Unlike a frozen pod ({@link GuildPartitionContainerIT}), it
 * can write to the store at any moment of the partition: the split-brain case. Its lease expires,
 * the other pod takes the guild over from the store; a write the cut-off owner takes meanwhile must
 * not land behind the new owner's back. After the partition heals, nothing acknowledged is lost,
 * from the store or from the connected client.
 */
class GuildNetnsPartitionContainerIT {
  static final String SECRET = "container-netns-secret-0123456789abcd";
  static final Duration WAIT = Duration.ofSeconds(30);
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;
  static final String ISOLATED = "guild-" + ContainerCluster.ISOLATED_GUILD;

  static PodNetwork net;
  static ContainerCluster cluster;

  @BeforeAll
  static void start() {
    String jdbc = System.getenv("CONCORD_TEST_JDBC_URL");
    if (jdbc == null || jdbc.isBlank()) {
      throw new IllegalStateException("guild pods share their state through PostgreSQL: set CONCORD_TEST_JDBC_URL (make test does)");
    }
    net = PodNetwork.create(jdbc);
    cluster = ContainerCluster.start("guild-netns-partition", SECRET, 2, 1, net);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (net != null) {
      net.close();
    }
  }

  record Target(long guildId, long channelId) {}

  /** A new guild on the isolated pod: a pod draws the ids of the guilds it creates from its own share of the ring. */
  private static Target guildOnIsolatedPod() {
    var api = GuildApiGrpc.newBlockingStub(cluster.guildChannel(ContainerCluster.ISOLATED_GUILD)).withDeadlineAfter(60, TimeUnit.SECONDS);
    Guild g = api.createGuild(CreateGuildRequest.newBuilder().setName("partitioned").setOwnerId(cluster.demo.users().get(0).id()).build());
    Channel c = api.createChannel(CreateChannelRequest.newBuilder().setGuildId(g.getId()).setName("general").build());
    assertThat(cluster.owner(Role.ROLE_GUILD, g.getId())).isEqualTo(ISOLATED);
    return new Target(g.getId(), c.getId());
  }

  private static Message write(ManagedChannel to, Target t, String content, Duration deadline) {
    return GuildApiGrpc.newBlockingStub(to)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .createMessage(
            CreateMessageRequest.newBuilder()
                .setGuildId(t.guildId())
                .setChannelId(t.channelId())
                .setAuthorId(cluster.demo.users().get(0).id())
                .setContent(content)
                .build());
  }

  @Test
  void anOwnerCutOffFromTheClusterButNotFromItsStore_writesNothingBehindTheNewOwner() throws Exception {
    Target t = guildOnIsolatedPod();
    List<Message> acknowledged = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    try (GatewayClient alice = GatewayClient.connect(cluster.gatewayUrl(0))) {
      alice.next(WAIT);
      alice.identify(cluster.demo.users().get(0).token(), INTENTS);
      JsonNode created;
      do {
        created = alice.nextDispatch("GUILD_CREATE", WAIT);
      } while (Long.parseUnsignedLong(created.path("d").path("id").asString()) != t.guildId());

      net.partition();
      // right after the cut the owner still holds its lease: it may take a write from its side
      String early = "to the cut-off owner, within its lease";
      try {
        acknowledged.add(write(cluster.isolatedGuildChannel(), t, early, Duration.ofSeconds(10)));
      } catch (StatusRuntimeException e) {
        refused.add(early + ": " + e.getStatus());
      }

      Await.until(() -> ContainerCluster.members(cluster.membership(), Role.ROLE_GUILD) == 1, WAIT, "the cut-off pod's lease expired");
      assertThat(cluster.owner(Role.ROLE_GUILD, t.guildId())).isEqualTo("guild-0");
      AtomicReference<Message> fresh = new AtomicReference<>();
      java.util.concurrent.atomic.AtomicInteger attempt = new java.util.concurrent.atomic.AtomicInteger();
      Await.until(
          () -> {
            try {
              // each attempt its own content: one that timed out may still have landed
              fresh.set(write(cluster.guildChannel(0), t, "to the new owner #" + attempt.incrementAndGet(), Duration.ofSeconds(10)));
              return true;
            } catch (StatusRuntimeException notYet) {
              return false; // still loading the guild from the store
            }
          },
          Duration.ofSeconds(60),
          "the new owner takes a write");
      acknowledged.add(fresh.get());

      // the split-brain write: the old owner is alive, reaches its store and still believes
      String stale = "to the cut-off owner, after the new owner wrote";
      StatusRuntimeException fenced = null;
      try {
        acknowledged.add(write(cluster.isolatedGuildChannel(), t, stale, Duration.ofSeconds(20)));
      } catch (StatusRuntimeException e) {
        refused.add(stale + ": " + e.getStatus());
        fenced = e;
      }
      // it cannot reach the new owner to forward the write, and it still believes it owns the
      // guild: the store's epoch check is what refuses it
      assertThat(fenced).as("the write to the cut-off owner is refused").isNotNull();
      assertThat(fenced.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(fenced.getStatus().getDescription()).contains("moved to another pod");

      net.heal();
      Await.until(() -> ContainerCluster.members(cluster.membership(), Role.ROLE_GUILD) == 2, Duration.ofSeconds(60), "the healed pod holds its lease again");

      List<Message> history = historyOnOwner(t);
      Set<Long> stored = new HashSet<>(history.stream().map(Message::getId).toList());
      List<String> contents = history.stream().map(Message::getContent).toList();
      assertThat(contents).as("the refused write landed nowhere").doesNotContain(stale);
      assertThat(contents).as("no write is stored twice").doesNotHaveDuplicates();

      // the client: every acknowledged message, each one stored
      Set<Long> delivered = new HashSet<>();
      while (!delivered.containsAll(acknowledged.stream().map(Message::getId).toList())) {
        JsonNode m = alice.nextDispatch("MESSAGE_CREATE", WAIT);
        long id = Long.parseUnsignedLong(m.path("d").path("id").asString());
        assertThat(stored).as("every message a client sees is stored").contains(id);
        delivered.add(id);
      }
      long lost = acknowledged.stream().filter(m -> !stored.contains(m.getId())).count();
      System.out.printf(
          "netns partition of %s: acknowledged %d, stored %d, delivered %d, lost %d; refused: %s%n",
          ISOLATED, acknowledged.size(), acknowledged.size() - lost, delivered.size(), lost, refused);
      assertThat(lost).isZero();
    }
  }

  /** The guild's history read on whichever pod owns it now (retried while it moves back). */
  private static List<Message> historyOnOwner(Target t) throws InterruptedException {
    AtomicReference<List<Message>> read = new AtomicReference<>();
    Await.until(
        () -> {
          try {
            read.set(
                GuildApiGrpc.newBlockingStub(cluster.guildChannel(0))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listMessages(ListMessagesRequest.newBuilder().setGuildId(t.guildId()).setChannelId(t.channelId()).setLimit(50).build())
                    .getMessagesList());
            return true;
          } catch (StatusRuntimeException moving) {
            return false;
          }
        },
        Duration.ofSeconds(60),
        "the guild's history readable");
    return read.get();
  }
}
