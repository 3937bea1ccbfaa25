package dev.concord.guild.grpc;

import dev.concord.cluster.Channels;
import dev.concord.cluster.Forwarding;
import dev.concord.guild.core.GuildCommands;
import dev.concord.guild.core.GuildException;
import dev.concord.guild.core.GuildHost;
import dev.concord.guild.core.Ownership;
import dev.concord.guild.store.JdbcInvites;
import dev.concord.proto.guild.v1.CreateInviteRequest;
import dev.concord.proto.guild.v1.DeleteInviteRequest;
import dev.concord.proto.guild.v1.Invite;
import dev.concord.proto.guild.v1.InviteRequest;
import dev.concord.proto.guild.v1.InvitesGrpc;
import dev.concord.proto.guild.v1.UseInviteRequest;
import dev.concord.proto.guild.v1.UseInviteResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.springframework.stereotype.Service;

/**
 * Invites: the guild's owner checks who may create, use or delete one (guild state), the rows
 * live in {@link JdbcInvites} (any pod reads them). Store calls run on the guild host's bounded
 * read pool, never on a guild loop.
 */
@Service
final class InvitesGrpcService extends InvitesGrpc.InvitesImplBase {
  static final int MAX_AGE_SECONDS = 7 * 24 * 3600;
  static final int MAX_USES = 100;
  static final int UNKNOWN_INVITE = 10006;
  private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final GuildCommands commands;
  private final GuildHost host;
  private final JdbcInvites invites;
  private final Channels channels;
  private final Clock clock = Clock.systemUTC();

  InvitesGrpcService(GuildCommands commands, GuildHost host, JdbcInvites invites, Channels channels) {
    this.commands = commands;
    this.host = host;
    this.invites = invites;
    this.channels = channels;
  }

  @Override
  public void createInvite(CreateInviteRequest req, StreamObserver<Invite> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.createInvite(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> {
          if (req.getMaxAge() > MAX_AGE_SECONDS || req.getMaxUses() > MAX_USES) {
            throw new GuildException(
                GuildException.Kind.INVALID_ARGUMENT,
                GuildException.INVALID_FORM_BODY,
                "max_age at most " + MAX_AGE_SECONDS + " s, max_uses at most " + MAX_USES);
          }
          return commands
              .canCreateInvite(req.getGuildId(), req.getActorId(), req.getChannelId())
              .thenApplyAsync(
                  checked -> {
                    Instant now = clock.instant();
                    JdbcInvites.InviteRow row =
                        new JdbcInvites.InviteRow(
                            newCode(),
                            req.getGuildId(),
                            req.getChannelId(),
                            req.getActorId(),
                            req.getMaxAge(),
                            req.getMaxUses(),
                            0,
                            now,
                            req.getMaxAge() == 0 ? null : now.plusSeconds(req.getMaxAge()));
                    invites.insert(row);
                    return toWire(row, checked.guildName(), checked.channelName(), 0);
                  },
                  host.readPool());
        },
        x -> x);
  }

  @Override
  public void getInvite(InviteRequest req, StreamObserver<Invite> out) {
    Statuses.reply(out, () -> CompletableFuture.supplyAsync(() -> shown(admitting(req.getCode())), host.readPool()), x -> x);
  }

  @Override
  public void useInvite(UseInviteRequest req, StreamObserver<UseInviteResponse> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.useInvite(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () ->
            CompletableFuture.supplyAsync(() -> admitting(req.getCode()), host.readPool())
                .thenCompose(
                    row -> {
                      if (row.guildId() != req.getGuildId()) {
                        throw unknown(req.getCode());
                      }
                      if (!invites.use(row.code(), clock.instant())) {
                        throw unknown(req.getCode()); // expired or used up meanwhile
                      }
                      // off the thread that completes the join (a guild loop or the journal):
                      // giving a use back is a store call
                      return commands
                          .addMember(row.guildId(), req.getUserId())
                          .handleAsync(
                              (member, error) -> {
                                if (error == null) {
                                  return true;
                                }
                                invites.unuse(row.code()); // the join did not happen: give the use back
                                Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : error;
                                if (cause instanceof GuildException g && g.kind() == GuildException.Kind.ALREADY_EXISTS) {
                                  return false;
                                }
                                throw new java.util.concurrent.CompletionException(cause);
                              },
                              host.readPool())
                          .thenApplyAsync(
                              joined -> UseInviteResponse.newBuilder().setInvite(shown(invites.byCode(row.code()).orElse(row))).setJoined(joined).build(),
                              host.readPool());
                    }),
        x -> x);
  }

  @Override
  public void deleteInvite(DeleteInviteRequest req, StreamObserver<Invite> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.deleteInvite(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () ->
            CompletableFuture.supplyAsync(() -> invites.byCode(req.getCode()).orElseThrow(() -> unknown(req.getCode())), host.readPool())
                .thenCompose(
                    row -> {
                      if (row.guildId() != req.getGuildId()) {
                        throw unknown(req.getCode());
                      }
                      return commands
                          .canDeleteInvite(row.guildId(), req.getActorId(), row.channelId(), row.inviterId())
                          .thenApplyAsync(
                              checked -> {
                                invites.delete(row.code());
                                return toWire(row, checked.guildName(), checked.channelName(), 0);
                              },
                              host.readPool());
                    }),
        x -> x);
  }

  /** The invite if it exists and still admits someone; else 10006. */
  private JdbcInvites.InviteRow admitting(String code) {
    if (code.isEmpty() || code.length() > 16) {
      throw unknown(code);
    }
    JdbcInvites.InviteRow row = invites.byCode(code).orElseThrow(() -> unknown(code));
    if (!row.admits(clock.instant())) {
      throw unknown(code);
    }
    return row;
  }

  private Invite shown(JdbcInvites.InviteRow row) {
    JdbcInvites.Shown s = invites.shown(row.guildId(), row.channelId()).orElseThrow(() -> unknown(row.code()));
    return toWire(row, s.guildName(), s.channelName(), s.memberCount());
  }

  private static Invite toWire(JdbcInvites.InviteRow r, String guildName, String channelName, int members) {
    return Invite.newBuilder()
        .setCode(r.code())
        .setGuildId(r.guildId())
        .setGuildName(guildName)
        .setChannelId(r.channelId())
        .setChannelName(channelName)
        .setInviterId(r.inviterId())
        .setMaxAge(r.maxAge())
        .setMaxUses(r.maxUses())
        .setUses(r.uses())
        .setCreatedAtMs(r.createdAt().toEpochMilli())
        .setExpiresAtMs(r.expiresAt() == null ? 0 : r.expiresAt().toEpochMilli())
        .setMemberCount(members)
        .build();
  }

  private static GuildException unknown(String code) {
    return new GuildException(GuildException.Kind.NOT_FOUND, UNKNOWN_INVITE, "unknown invite: " + code);
  }

  /** 8 characters from 56 (no look-alikes): ~46 bits, so codes are not guessable by walking. */
  static String newCode() {
    char[] c = new char[8];
    for (int i = 0; i < c.length; i++) {
      c[i] = ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length()));
    }
    return new String(c);
  }

  /** Sends the call to the guild's owner if this pod is not it (once: a forwarded call is served here). */
  private <T> boolean forwarded(long guildId, StreamObserver<T> out, BiConsumer<InvitesGrpc.InvitesStub, StreamObserver<T>> call) {
    Ownership own = host.ownership();
    if (own.owns(guildId) || Forwarding.isForwarded() || own.addressOf(guildId).isEmpty()) {
      return false;
    }
    Deadline deadline = Context.current().getDeadline();
    InvitesGrpc.InvitesStub stub = Forwarding.forwarded(InvitesGrpc.newStub(channels.forAddress(own.addressOf(guildId))));
    call.accept(deadline != null ? stub.withDeadline(deadline) : stub.withDeadlineAfter(10, TimeUnit.SECONDS), out);
    return true;
  }
}
