package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.cluster.Channels;
import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.Guild;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.User;
import dev.concord.protocol.Intents;
import dev.concord.protocol.TokenVerifier;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Fanout ordering across session pods: concurrent publishers write into one guild whose members'
 * sessions are spread over 3 session pods; every session must see the same sequence of the guild's
 * events, with no gap and no duplicate, and its own {@code s} rising by one per dispatch.
 */
class FanoutOrderingIT {
  static final String SECRET = "fanout-ordering-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(20);
  static final int USERS = 24;
  static final int PUBLISHERS = 4;
  static final int MESSAGES_EACH = 50;

  static LocalSuite suite;
  static Channels channels;

  @BeforeAll
  static void start() {
    suite = LocalSuite.start(LocalSuite.Ports.free(), LocalSuite.Options.defaults(SECRET).withSessionPods(3));
    channels = new Channels();
  }

  @AfterAll
  static void stop() {
    if (channels != null) {
      channels.close();
    }
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  void concurrentPublishers_everySessionOnEveryPod_seesTheSameOrder() throws Exception {
    var api = GuildApiGrpc.newBlockingStub(channels.forAddress(suite.guildAddress())).withDeadlineAfter(30, TimeUnit.SECONDS);
    TokenVerifier tokens = new TokenVerifier(SECRET);
    List<User> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      users.add(api.createUser(CreateUserRequest.newBuilder().setUsername("user" + i).build()));
    }
    Guild guild = api.createGuild(CreateGuildRequest.newBuilder().setName("Ordering").setOwnerId(users.get(0).getId()).build());
    for (int i = 1; i < USERS; i++) {
      api.addMember(AddMemberRequest.newBuilder().setGuildId(guild.getId()).setUserId(users.get(i).getId()).build());
    }
    Channel channel = api.createChannel(CreateChannelRequest.newBuilder().setGuildId(guild.getId()).setName("general").build());

    List<GatewayClient> clients = new ArrayList<>();
    Set<String> sessionPods = new HashSet<>();
    try {
      for (User u : users) {
        GatewayClient c = GatewayClient.connect(suite.gatewayUrl() + "/?v=10&encoding=json");
        clients.add(c);
        c.identify(tokens.sign(u.getId(), 3600), Intents.GUILDS | Intents.GUILD_MESSAGES);
      }
      for (GatewayClient c : clients) {
        JsonNode ready = c.nextDispatch("READY", WAIT);
        sessionPods.add(ready.path("d").path("_trace").get(0).asString());
        c.nextDispatch("GUILD_CREATE", WAIT);
      }
      assertThat(sessionPods).as("sessions spread over the session pods").hasSize(3);

      ExecutorService publishers = Executors.newFixedThreadPool(PUBLISHERS);
      List<Future<?>> done = new ArrayList<>();
      for (int p = 0; p < PUBLISHERS; p++) {
        int publisher = p;
        done.add(
            publishers.submit(
                () -> {
                  var stub = GuildApiGrpc.newBlockingStub(channels.forAddress(suite.guildAddress()));
                  for (int m = 0; m < MESSAGES_EACH; m++) {
                    stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .createMessage(
                            CreateMessageRequest.newBuilder()
                                .setGuildId(guild.getId())
                                .setChannelId(channel.getId())
                                .setAuthorId(users.get(publisher).getId())
                                .setContent("p" + publisher + " m" + m)
                                .build());
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      publishers.shutdown();

      int total = PUBLISHERS * MESSAGES_EACH;
      List<String> reference = null;
      for (GatewayClient c : clients) {
        List<String> ids = new ArrayList<>(total);
        long lastSeq = -1;
        while (ids.size() < total) {
          JsonNode f = c.nextDispatch("MESSAGE_CREATE", WAIT);
          long s = f.path("s").asLong();
          if (lastSeq >= 0) {
            assertThat(s).as("s rises by one per dispatch").isEqualTo(lastSeq + 1);
          }
          lastSeq = s;
          ids.add(f.path("d").path("id").asString());
        }
        assertThat(new HashSet<>(ids)).as("no duplicates").hasSize(total);
        if (reference == null) {
          reference = ids;
        } else {
          assertThat(ids).as("same order as every other session").isEqualTo(reference);
        }
      }
      // the guild's order is the order of its snowflakes (assigned on its event loop)
      List<String> sorted = new ArrayList<>(reference);
      sorted.sort((a, b) -> Long.compareUnsigned(Long.parseUnsignedLong(a), Long.parseUnsignedLong(b)));
      assertThat(reference).isEqualTo(sorted);
    } finally {
      clients.forEach(GatewayClient::close);
    }
  }
}
