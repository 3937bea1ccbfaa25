package dev.concord.devsuite;

import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.Guild;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.User;
import dev.concord.protocol.TokenVerifier;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Seeds the demo guild through the public gRPC guild API, as any backend would: two users, a guild
 * owned by the first with the second as member, and one text channel. Tokens are minted with the
 * gateway's key.
 */
public final class DemoSeed {
  public record DemoUser(long id, String username, String token) {}

  public record Demo(long guildId, long channelId, List<DemoUser> users) {}

  private DemoSeed() {}

  public static Demo seed(ManagedChannel guildChannel, TokenVerifier tokens, Duration tokenTtl, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return seedOnce(guildChannel, tokens, tokenTtl);
      } catch (StatusRuntimeException e) {
        // The guild pod may still be waiting for its first ring; retry until the deadline.
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /**
   * Registers a person (an account with a password, as {@code POST /auth/register} would) and adds
   * them to the demo guild. The hash is Argon2id with the gateway's parameters.
   */
  public static void person(ManagedChannel guildChannel, Demo demo, String login, String password) {
    String hash =
        new org.springframework.security.crypto.argon2.Argon2PasswordEncoder(
                16, 32, 1, dev.concord.gateway.auth.PasswordHasher.MEMORY_KIB, dev.concord.gateway.auth.PasswordHasher.ITERATIONS)
            .encode(password);
    User u =
        dev.concord.proto.guild.v1.AccountsGrpc.newBlockingStub(guildChannel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .register(dev.concord.proto.guild.v1.RegisterRequest.newBuilder().setUsername(login).setGlobalName("Demo").setPasswordHash(hash).build());
    GuildApiGrpc.newBlockingStub(guildChannel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .addMember(AddMemberRequest.newBuilder().setGuildId(demo.guildId()).setUserId(u.getId()).build());
  }

  private static Demo seedOnce(ManagedChannel guildChannel, TokenVerifier tokens, Duration tokenTtl) {
    var api = GuildApiGrpc.newBlockingStub(guildChannel).withDeadlineAfter(5, TimeUnit.SECONDS);
    User alice = api.createUser(CreateUserRequest.newBuilder().setUsername("alice").setGlobalName("Alice").build());
    User bob = api.createUser(CreateUserRequest.newBuilder().setUsername("bob").setGlobalName("Bob").build());
    Guild guild = api.createGuild(CreateGuildRequest.newBuilder().setName("Concord Demo").setOwnerId(alice.getId()).build());
    api.addMember(AddMemberRequest.newBuilder().setGuildId(guild.getId()).setUserId(bob.getId()).build());
    Channel general =
        api.createChannel(
            CreateChannelRequest.newBuilder().setGuildId(guild.getId()).setName("general").setTopic("Say hello").build());
    long ttl = tokenTtl.toSeconds();
    return new Demo(
        guild.getId(),
        general.getId(),
        List.of(
            new DemoUser(alice.getId(), alice.getUsername(), tokens.sign(alice.getId(), ttl)),
            new DemoUser(bob.getId(), bob.getUsername(), tokens.sign(bob.getId(), ttl))));
  }
}
