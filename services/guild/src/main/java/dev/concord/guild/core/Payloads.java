package dev.concord.guild.core;

import org.jspecify.annotations.Nullable;

import java.time.Instant;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Serializes Discord objects the way client libraries expect them: snowflakes as strings, every
 * documented field present (with Discord's defaults) so strict libraries accept the object.
 * Stateless; one instance is shared.
 */
public final class Payloads {
  /** Permissions of @everyone: view channels, send messages, read history, and the usual basics. */
  public static final String EVERYONE_PERMISSIONS = "1071698660929";

  private final JsonMapper json = JsonMapper.builder().build();

  public JsonMapper json() {
    return json;
  }

  public ObjectNode user(Users.User u) {
    ObjectNode n = json.createObjectNode();
    n.put("id", Long.toUnsignedString(u.id()));
    n.put("username", u.username());
    n.put("discriminator", "0");
    if (u.globalName() == null || u.globalName().isEmpty()) {
      n.putNull("global_name");
    } else {
      n.put("global_name", u.globalName());
    }
    n.putNull("avatar");
    n.put("bot", u.bot());
    n.put("system", false);
    n.put("public_flags", 0);
    n.putNull("banner");
    n.putNull("accent_color");
    n.putNull("avatar_decoration_data");
    return n;
  }

  /** A guild member object; {@code withUser} adds the nested user. */
  public ObjectNode member(GuildState.Member m, Users.User u, boolean withUser) {
    ObjectNode n = json.createObjectNode();
    if (withUser) {
      n.set("user", user(u));
    }
    if (m.nick() == null) {
      n.putNull("nick");
    } else {
      n.put("nick", m.nick());
    }
    n.putNull("avatar");
    n.putNull("banner");
    ArrayNode roles = n.putArray("roles");
    for (long r : m.roles()) {
      roles.add(Long.toUnsignedString(r));
    }
    n.put("joined_at", iso(m.joinedAtMs()));
    n.putNull("premium_since");
    n.put("deaf", false);
    n.put("mute", false);
    n.put("flags", 0);
    n.put("pending", false);
    n.putNull("communication_disabled_until");
    return n;
  }

  public ObjectNode channel(long guildId, GuildState.Channel c) {
    ObjectNode n = json.createObjectNode();
    n.put("id", Long.toUnsignedString(c.id()));
    n.put("type", c.type());
    n.put("guild_id", Long.toUnsignedString(guildId));
    n.put("name", c.name());
    n.put("position", c.position());
    ArrayNode ows = n.putArray("permission_overwrites");
    for (GuildState.Overwrite o : c.overwrites()) {
      ows.addObject()
          .put("id", Long.toUnsignedString(o.id()))
          .put("type", o.type())
          .put("allow", Long.toUnsignedString(o.allow()))
          .put("deny", Long.toUnsignedString(o.deny()));
    }
    if (c.topic() == null || c.topic().isEmpty()) {
      n.putNull("topic");
    } else {
      n.put("topic", c.topic());
    }
    n.put("nsfw", false);
    n.putNull("last_message_id");
    n.put("rate_limit_per_user", 0);
    n.putNull("parent_id");
    n.put("flags", 0);
    return n;
  }

  public ObjectNode role(GuildState.Role r) {
    ObjectNode n = json.createObjectNode();
    n.put("id", Long.toUnsignedString(r.id()));
    n.put("name", r.name());
    n.put("color", 0);
    // current Discord role objects carry gradient colors (JDA 6 requires the object)
    n.putObject("colors").put("primary_color", 0).putNull("secondary_color").putNull("tertiary_color");
    n.put("hoist", false);
    n.putNull("icon");
    n.putNull("unicode_emoji");
    n.put("position", r.position());
    n.put("permissions", Long.toUnsignedString(r.permissions()));
    n.put("managed", false);
    n.put("mentionable", false);
    n.put("flags", 0);
    return n;
  }

  /** Fields shared by GUILD_CREATE and GUILD_UPDATE. */
  public ObjectNode guildBase(GuildState g) {
    ObjectNode n = json.createObjectNode();
    String id = Long.toUnsignedString(g.id());
    n.put("id", id);
    n.put("name", g.name());
    n.putNull("icon");
    n.putNull("icon_hash");
    n.putNull("splash");
    n.putNull("discovery_splash");
    n.put("owner_id", Long.toUnsignedString(g.ownerId()));
    n.putNull("afk_channel_id");
    n.put("afk_timeout", 300);
    n.put("verification_level", 0);
    n.put("default_message_notifications", 0);
    n.put("explicit_content_filter", 0);
    ArrayNode roles = n.putArray("roles");
    for (GuildState.Role r : g.roles().values()) {
      roles.add(role(r));
    }
    n.putArray("emojis");
    n.putArray("features");
    n.put("mfa_level", 0);
    n.putNull("application_id");
    n.putNull("system_channel_id");
    n.put("system_channel_flags", 0);
    n.putNull("rules_channel_id");
    n.putNull("vanity_url_code");
    n.putNull("description");
    n.putNull("banner");
    n.put("premium_tier", 0);
    n.put("premium_subscription_count", 0);
    n.put("preferred_locale", "en-US");
    n.putNull("public_updates_channel_id");
    n.put("max_members", 500_000);
    n.put("nsfw_level", 0);
    n.putArray("stickers");
    n.put("premium_progress_bar_enabled", false);
    n.putNull("safety_alerts_channel_id");
    return n;
  }

  public ObjectNode message(
      long id,
      long guildId,
      long channelId,
      Users.User author,
      GuildState.@Nullable Member authorMember,
      String content,
      long timestampMs,
      String nonce) {
    ObjectNode n = json.createObjectNode();
    n.put("id", Long.toUnsignedString(id));
    n.put("channel_id", Long.toUnsignedString(channelId));
    n.put("guild_id", Long.toUnsignedString(guildId));
    n.set("author", user(author));
    if (authorMember != null) {
      n.set("member", member(authorMember, author, false));
    }
    n.put("content", content);
    n.put("timestamp", iso(timestampMs));
    n.putNull("edited_timestamp");
    n.put("tts", false);
    n.put("mention_everyone", false);
    n.putArray("mentions");
    n.putArray("mention_roles");
    n.putArray("attachments");
    n.putArray("embeds");
    n.put("pinned", false);
    n.put("type", 0);
    n.put("flags", 0);
    n.putArray("components");
    if (!nonce.isEmpty()) {
      n.put("nonce", nonce);
    }
    return n;
  }

  /**
   * Adds what a message object carries beyond its creation: {@code edited_timestamp}, the reply
   * reference (type 19, {@code message_reference}, {@code referenced_message}: null when the
   * replied-to message is gone) and the reactions.
   */
  public ObjectNode decorate(
      ObjectNode n,
      long guildId,
      long channelId,
      @Nullable Instant editedAt,
      long referencedId,
      @Nullable ObjectNode referenced,
      java.util.List<dev.concord.guild.store.GuildStore.ReactionCount> reactions) {
    if (editedAt != null) {
      n.put("edited_timestamp", editedAt.toString());
    }
    if (referencedId != 0) {
      n.put("type", 19);
      n.putObject("message_reference")
          .put("type", 0)
          .put("message_id", Long.toUnsignedString(referencedId))
          .put("channel_id", Long.toUnsignedString(channelId))
          .put("guild_id", Long.toUnsignedString(guildId));
      if (referenced == null) {
        n.putNull("referenced_message");
      } else {
        n.set("referenced_message", referenced);
      }
    }
    if (!reactions.isEmpty()) {
      ArrayNode rs = n.putArray("reactions");
      for (var r : reactions) {
        ObjectNode o = rs.addObject();
        o.put("count", r.count());
        o.putObject("count_details").put("burst", 0).put("normal", r.count());
        o.put("me", r.me());
        o.put("me_burst", false);
        o.set("emoji", emoji(r.emoji()));
        o.putArray("burst_colors");
      }
    }
    return n;
  }

  /**
   * The {@code d} of MESSAGE_REACTION_ADD ({@code add}, with the reactor's member when it is one)
   * or MESSAGE_REACTION_REMOVE.
   */
  public ObjectNode reaction(
      long guildId, long channelId, long messageId, long messageAuthorId, long userId, GuildState.@org.jspecify.annotations.Nullable Member member,
      Users.User user, String emoji, boolean add) {
    ObjectNode d = json.createObjectNode();
    d.put("user_id", Long.toUnsignedString(userId));
    d.put("channel_id", Long.toUnsignedString(channelId));
    d.put("message_id", Long.toUnsignedString(messageId));
    d.put("guild_id", Long.toUnsignedString(guildId));
    if (add) {
      if (member != null) {
        d.set("member", member(member, user, true));
      }
      d.put("message_author_id", Long.toUnsignedString(messageAuthorId));
      d.putArray("burst_colors");
    }
    d.set("emoji", emoji(emoji));
    d.put("burst", false);
    d.put("type", 0);
    return d;
  }

  /** Sets a stored message's {@code embeds} and {@code mentions} (user objects of those still known). */
  public void embedsAndMentions(ObjectNode d, dev.concord.guild.store.GuildStore.MessageRow m, Users users) {
    d.set("embeds", MessageContent.embeds(m.embedsJson()));
    ArrayNode mentions = d.putArray("mentions");
    for (long id : MessageContent.mentions(m)) {
      try {
        mentions.add(user(users.get(id)));
      } catch (GuildException e) {
        // an unknown user id: not a mention
      }
    }
  }

  /** A partial emoji object: unicode ({@code id} null) or custom ({@code name:id}). */
  public ObjectNode emoji(String emoji) {
    ObjectNode e = json.createObjectNode();
    int colon = emoji.lastIndexOf(':');
    if (colon > 0) {
      e.put("id", emoji.substring(colon + 1));
      e.put("name", emoji.substring(0, colon));
    } else {
      e.putNull("id");
      e.put("name", emoji);
    }
    return e;
  }

  public ArrayNode array() {
    return json.createArrayNode();
  }

  public byte[] bytes(Object node) {
    return json.writeValueAsBytes(node);
  }

  public static String iso(long epochMs) {
    return Instant.ofEpochMilli(epochMs).toString();
  }
}
