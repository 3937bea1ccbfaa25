package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;

/**
 * The operations of the guild API, each a few lines: build the operation (its input checks run
 * here, on the caller's thread) and submit it to the guild's loop through the {@link GuildHost};
 * for an operation on a stored message, read the row first ({@link GuildHost#read}) and hand it to
 * the operation. The one entry the gRPC services and tests use.
 */
public final class GuildCommands {
  private final GuildHost host;
  private final GuildStore store;
  private final Users users;
  private final MessageOps messages;
  private final ChannelOps channels;
  private final MemberOps members;
  private final MemberListOps memberLists;
  private final RoleOps roles;
  private final GuildViews views;
  private final GuildOps guildOps;
  private final Payloads payloads;
  private final InviteOps invites = new InviteOps();
  private volatile MemberJoins joins = MemberJoins.NONE;

  public GuildCommands(GuildHost host) {
    this.host = host;
    OpContext ctx = host.opContext();
    this.store = host.store();
    this.users = ctx.users();
    this.payloads = ctx.payloads();
    this.messages = new MessageOps(ctx);
    this.channels = new ChannelOps(ctx);
    this.members = new MemberOps(ctx);
    this.memberLists = new MemberListOps(ctx);
    this.roles = new RoleOps(ctx);
    this.views = new GuildViews(ctx);
    this.guildOps = new GuildOps(ctx);
  }

  /** Who hears of new memberships (the session pods, see {@link MemberJoins}). */
  public void onMemberJoined(MemberJoins joins) {
    this.joins = joins;
  }

  private void joined(long userId, long guildId) {
    try {
      joins.joined(userId, guildId);
    } catch (RuntimeException e) {
      // best effort: the user's next IDENTIFY subscribes to the guild anyway
    }
  }

  public GuildHost host() {
    return host;
  }

  public Users.User createUser(String username, String globalName, boolean bot) {
    return host.createUser(username, globalName, bot);
  }

  public CompletableFuture<GuildState> createGuild(String name, long ownerId) {
    return host.createGuild(name, ownerId).thenApply(g -> {
      joined(ownerId, g.id);
      return g;
    });
  }

  // ---- members, channels, roles ----

  public CompletableFuture<GuildState.Member> addMember(long guildId, long userId) {
    return host.submit(guildId, members.add(userId)).thenApply(m -> {
      joined(userId, guildId);
      return m;
    });
  }

  public CompletableFuture<GuildState.Member> addMemberRole(long guildId, long userId, long roleId) {
    return host.submit(guildId, members.addRole(userId, roleId));
  }

  public CompletableFuture<Boolean> publishPresence(long guildId, long userId, byte[] presenceJson) {
    return host.submit(guildId, members.presence(userId, presenceJson));
  }

  public CompletableFuture<GuildState.Channel> createChannel(long guildId, String name, String topic) {
    return createChannel(guildId, name, topic, List.of());
  }

  public CompletableFuture<GuildState.Channel> createChannel(
      long guildId, String name, String topic, List<GuildState.Overwrite> overwrites) {
    return host.submit(guildId, channels.create(name, topic, overwrites));
  }

  public CompletableFuture<GuildState.Channel> setChannelPermission(long guildId, long channelId, GuildState.Overwrite overwrite) {
    return host.submit(guildId, channels.setPermission(channelId, overwrite));
  }

  public CompletableFuture<GuildState.Role> createRole(long guildId, String name, long permissions) {
    return host.submit(guildId, roles.create(name, permissions));
  }

  // ---- management by an actor (the REST API's writes; actor 0 is the trusted backend) ----

  public CompletableFuture<byte[]> updateGuild(long guildId, long actorId, String name) {
    return host.submit(guildId, guildOps.update(actorId, name));
  }

  public CompletableFuture<Boolean> deleteGuild(long guildId, long actorId) {
    return host.submit(guildId, guildOps.delete(actorId));
  }

  public CompletableFuture<GuildState.Channel> createChannel(
      long guildId, long actorId, String name, String topic, List<GuildState.Overwrite> overwrites) {
    return host.submit(guildId, channels.create(actorId, name, topic, overwrites));
  }

  public CompletableFuture<byte[]> updateChannel(
      long guildId, long actorId, long channelId, @Nullable String name, @Nullable String topic, @Nullable Integer position) {
    return host.submit(guildId, channels.update(actorId, channelId, name, topic, position));
  }

  public CompletableFuture<byte[]> deleteChannel(long guildId, long actorId, long channelId) {
    return host.submit(guildId, channels.delete(actorId, channelId));
  }

  public CompletableFuture<GuildState.Channel> setChannelPermission(
      long guildId, long actorId, long channelId, GuildState.Overwrite overwrite) {
    return host.submit(guildId, channels.setPermission(actorId, channelId, overwrite));
  }

  public CompletableFuture<Boolean> deleteChannelPermission(long guildId, long actorId, long channelId, long targetId) {
    return host.submit(guildId, channels.deletePermission(actorId, channelId, targetId));
  }

  public CompletableFuture<GuildState.Role> createRole(long guildId, long actorId, String name, long permissions) {
    return host.submit(guildId, roles.create(actorId, name, permissions));
  }

  public CompletableFuture<byte[]> updateRole(long guildId, long actorId, long roleId, @Nullable String name, @Nullable Long permissions) {
    return host.submit(guildId, roles.update(actorId, roleId, name, permissions));
  }

  public CompletableFuture<Boolean> deleteRole(long guildId, long actorId, long roleId) {
    return host.submit(guildId, roles.delete(actorId, roleId));
  }

  public CompletableFuture<GuildState.Member> addMemberRole(long guildId, long actorId, long userId, long roleId) {
    return host.submit(guildId, members.addRole(actorId, userId, roleId));
  }

  public CompletableFuture<GuildState.Member> removeMemberRole(long guildId, long actorId, long userId, long roleId) {
    return host.submit(guildId, members.removeRole(actorId, userId, roleId));
  }

  public CompletableFuture<GuildState.Member> updateMember(
      long guildId, long actorId, long userId, boolean setNick, @Nullable String nick, @Nullable List<Long> roleIds) {
    return host.submit(guildId, members.update(actorId, userId, setNick, nick, roleIds));
  }

  /** PATCH /users/@me: new names (checked as at creation); durable when the future completes. */
  public CompletableFuture<Users.User> updateUser(long userId, @Nullable String username, @Nullable String globalName) {
    if (username != null) {
      Checks.name("username", username, 2, 32);
    }
    if (globalName != null && !globalName.isEmpty()) {
      Checks.name("global_name", globalName, 1, 32);
    }
    return CompletableFuture.supplyAsync(() -> users.update(userId, username, globalName), host.readPool());
  }

  public CompletableFuture<Boolean> refreshMember(long guildId, long userId, boolean notifyUser) {
    return host.submit(guildId, members.refresh(userId, notifyUser));
  }

  public CompletableFuture<Boolean> removeMember(long guildId, long actorId, long userId) {
    return host.submit(guildId, members.remove(actorId, userId));
  }

  /** The Discord objects of what the operations above return. */
  public byte[] channelJson(long guildId, GuildState.Channel c) {
    return payloads.bytes(payloads.channel(guildId, c));
  }

  public byte[] roleJson(GuildState.Role r) {
    return payloads.bytes(payloads.role(r));
  }

  public byte[] memberJson(GuildState.Member m) {
    return payloads.bytes(payloads.member(m, users.get(m.userId()), true));
  }

  // ---- read-only views ----

  public CompletableFuture<byte[]> guild(long guildId, long actorId, boolean withCounts) {
    return host.submit(guildId, views.guild(actorId, withCounts));
  }

  public CompletableFuture<byte[]> channels(long guildId, long actorId, long channelId) {
    return host.submit(guildId, views.channels(actorId, channelId));
  }

  public CompletableFuture<byte[]> members(long guildId, long actorId, long userId, int limit, long after) {
    return host.submit(guildId, views.members(actorId, userId, limit, after));
  }

  public CompletableFuture<byte[]> roles(long guildId, long actorId) {
    return host.submit(guildId, views.roles(actorId));
  }

  /** Ranges per session, and items per range, of a lazy member list (see {@link MemberList}). */
  public static final int MAX_MEMBER_LIST_RANGES = MemberList.MAX_RANGES;

  public static final int MAX_MEMBER_LIST_RANGE_WIDTH = MemberList.MAX_RANGE_WIDTH;

  /** A session's lazy member list ranges (inclusive pairs; none: unsubscribed). See {@link MemberList}. */
  public CompletableFuture<Boolean> subscribeMemberList(long guildId, String sessionId, int[] ranges) {
    return host.submit(guildId, memberLists.subscribe(sessionId, ranges));
  }

  public CompletableFuture<List<byte[]>> memberChunks(
      long guildId, String query, List<Long> userIds, int limit, boolean presences, String nonce) {
    return host.submit(guildId, views.memberChunks(query, userIds, limit, presences, nonce));
  }

  // ---- invites (the rows live in JdbcInvites; the guild checks who may) ----

  public CompletableFuture<InviteOps.Checked> canCreateInvite(long guildId, long actorId, long channelId) {
    return host.submit(guildId, invites.canCreate(actorId, channelId));
  }

  public CompletableFuture<InviteOps.Checked> canDeleteInvite(long guildId, long actorId, long channelId, long inviterId) {
    return host.submit(guildId, invites.canDelete(actorId, channelId, inviterId));
  }

  /** The guild of a channel, from the store (any pod). */
  public java.util.Optional<Long> guildOfChannel(long channelId) {
    return store.guildOfChannel(channelId);
  }

  // ---- messages ----

  public CompletableFuture<MessageOps.CreatedMessage> createMessage(
      long guildId, long channelId, long authorId, String content, String nonce) {
    return host.submit(guildId, messages.create(channelId, authorId, content, nonce, false, 0, null, false));
  }

  /** A message; a reply to {@code referenceId} if not 0. */
  public CompletableFuture<MessageOps.CreatedMessage> createMessage(
      long guildId,
      long channelId,
      long authorId,
      MessageContent.Draft draft,
      String nonce,
      boolean enforceNonce,
      long referenceId,
      boolean failIfNotExists) {
    if (referenceId == 0) {
      return host.submit(guildId, messages.create(channelId, authorId, draft, nonce, enforceNonce, 0, null, false));
    }
    // the reply is submitted from the read's thread: take the caller's trace along
    return stored(guildId, channelId, referenceId)
        .thenCompose(
            io.opentelemetry.context.Context.current()
                .wrapFunction(
                    ref ->
                        host.submit(
                            guildId,
                            messages.create(channelId, authorId, draft, nonce, enforceNonce, referenceId, ref, failIfNotExists))));
  }

  public CompletableFuture<byte[]> editMessage(long guildId, long channelId, long messageId, long actorId, String content) {
    return editMessage(guildId, channelId, messageId, actorId, content, null, null);
  }

  /** Replaces the given parts of a message (null: kept). */
  public CompletableFuture<byte[]> editMessage(
      long guildId,
      long channelId,
      long messageId,
      long actorId,
      @Nullable String content,
      @Nullable String embedsJson,
      MessageContent.@Nullable Allowed allowed) {
    return stored(guildId, channelId, messageId)
        .thenCompose(m -> host.submit(guildId, messages.edit(channelId, actorId, m, content, embedsJson, allowed)));
  }

  public CompletableFuture<Integer> deleteMessage(long guildId, long channelId, long messageId, long actorId) {
    return stored(guildId, channelId, messageId).thenCompose(m -> host.submit(guildId, messages.delete(channelId, actorId, m)));
  }

  public CompletableFuture<Integer> bulkDelete(long guildId, long channelId, List<Long> ids, long actorId) {
    messages.checkBulkDelete(ids); // before any read
    return host.read(
            guildId,
            (g, step) -> ids,
            list -> list.stream().distinct().map(id -> store.message(guildId, id)).flatMap(java.util.Optional::stream).toList())
        .thenCompose(found -> host.submit(guildId, messages.bulkDelete(channelId, actorId, ids, found)));
  }

  /** Adds or removes a reaction ({@code userId} 0: the actor's own); true if anything changed. */
  public CompletableFuture<Boolean> react(
      long guildId, long channelId, long messageId, long actorId, String emoji, long userId, boolean add) {
    long who = userId == 0 ? actorId : userId;
    if (who == 0) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, "a reaction needs a user (actor_id or user_id)");
    }
    record Read(MessageOps.@Nullable Stored message, boolean exists) {}
    return host.read(
            guildId,
            (g, step) -> messageId,
            id -> {
              MessageOps.Stored m = load(guildId, id);
              return new Read(m, m != null && store.hasReaction(id, emoji, who));
            })
        .thenCompose(r -> host.submit(guildId, messages.react(channelId, actorId, r.message(), emoji, who, add, r.exists())));
  }

  /** The users who reacted with {@code emoji}: a JSON array of user objects. */
  public CompletableFuture<byte[]> reactors(long guildId, long channelId, long messageId, long actorId, String emoji, long after, int limit) {
    if (limit < 1 || limit > 100) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "limit out of range: " + limit + " (expected: 1..100)");
    }
    return host.read(
        guildId,
        messages.readable(channelId, actorId),
        c -> {
          if (load(guildId, messageId) == null) {
            throw new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_MESSAGE, "unknown message");
          }
          ArrayNode out = payloads.array();
          for (long id : store.reactors(messageId, emoji, after, limit)) {
            out.add(payloads.user(users.get(id)));
          }
          return payloads.bytes(out);
        });
  }

  public CompletableFuture<Boolean> typing(long guildId, long channelId, long actorId) {
    return host.submit(guildId, messages.typing(channelId, actorId));
  }

  /** One message as REST returns it (10008 if it is not in the channel). */
  public CompletableFuture<byte[]> message(long guildId, long channelId, long messageId, long actorId) {
    return host.read(
        guildId,
        messages.readable(channelId, actorId),
        c -> {
          MessageOps.Stored m = load(guildId, messageId);
          if (m == null || m.row().channelId() != channelId) {
            throw new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_MESSAGE, "unknown message");
          }
          return payloads.bytes(renderAll(List.of(m), actorId).get(0));
        });
  }

  /** A channel's history, newest first (rows, as stored). */
  public CompletableFuture<List<GuildStore.MessageRow>> messages(long guildId, long channelId, long before, long after, int limit) {
    return history(guildId, channelId, 0, before, after, 0, limit).thenApply(h -> h.rows());
  }

  /** History rows and their Discord objects (with reactions as {@code actorId} sees them). */
  public record History(List<GuildStore.MessageRow> rows, List<byte[]> json) {}

  /**
   * A channel's history, newest first: before / after / around (at most one of them non-zero, as
   * Discord), at most {@code limit} (1..100) messages.
   */
  public CompletableFuture<History> history(long guildId, long channelId, long actorId, long before, long after, long around, int limit) {
    if (limit < 1 || limit > 100) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "limit out of range: " + limit + " (expected: 1..100)");
    }
    return host.read(
        guildId,
        messages.readable(channelId, actorId),
        c -> {
          List<GuildStore.MessageRow> rows;
          if (around != 0) {
            // the message itself and the newer half, then the older half
            List<GuildStore.MessageRow> newer = store.messages(channelId, 0, around - 1, 100).reversed();
            newer = newer.subList(0, Math.min(newer.size(), (limit + 1) / 2)).reversed();
            List<GuildStore.MessageRow> older = store.messages(channelId, around, 0, Math.max(1, limit - newer.size()));
            rows = new ArrayList<>(newer);
            rows.addAll(older);
            rows = rows.subList(0, Math.min(limit, rows.size()));
          } else {
            rows = store.messages(channelId, before, after, limit);
          }
          List<MessageOps.Stored> stored = new ArrayList<>(rows.size());
          for (GuildStore.MessageRow r : rows) {
            stored.add(new MessageOps.Stored(r, users.get(r.authorId())));
          }
          List<byte[]> json = new ArrayList<>(rows.size());
          for (var n : renderAll(stored, actorId)) {
            json.add(payloads.bytes(n));
          }
          return new History(List.copyOf(rows), json);
        });
  }

  /** Renders stored messages with their reactions and replied-to messages (one query each). */
  private List<tools.jackson.databind.node.ObjectNode> renderAll(List<MessageOps.Stored> stored, long actorId) {
    List<Long> ids = stored.stream().map(s -> s.row().id()).toList();
    Map<Long, List<GuildStore.ReactionCount>> reactions = store.reactions(ids, actorId);
    Map<Long, MessageOps.@Nullable Stored> referenced = new HashMap<>();
    for (MessageOps.Stored s : stored) {
      long ref = s.row().referencedId();
      if (ref != 0 && !referenced.containsKey(ref)) {
        referenced.put(ref, load(s.row().guildId(), ref));
      }
    }
    List<tools.jackson.databind.node.ObjectNode> out = new ArrayList<>(stored.size());
    for (MessageOps.Stored s : stored) {
      out.add(messages.render(s, referenced.get(s.row().referencedId()), reactions.getOrDefault(s.row().id(), List.of())));
    }
    return out;
  }

  private CompletableFuture<MessageOps.@Nullable Stored> stored(long guildId, long channelId, long messageId) {
    return host.read(guildId, (g, step) -> Checks.channel(g, channelId), c -> load(guildId, messageId));
  }

  private MessageOps.@Nullable Stored load(long guildId, long messageId) {
    return store.message(guildId, messageId).map(r -> new MessageOps.Stored(r, users.get(r.authorId()))).orElse(null);
  }
}
