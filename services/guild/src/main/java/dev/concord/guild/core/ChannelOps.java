package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.Intents;
import java.util.List;

/** Operations on a guild's channels and their permission overwrites. */
public final class ChannelOps {
  public static final int MAX_NAME_LENGTH = 100;

  private final OpContext ctx;

  public ChannelOps(OpContext ctx) {
    this.ctx = ctx;
  }

  public GuildOp<GuildState.Channel> create(String name, String topic, List<GuildState.Overwrite> overwrites) {
    return create(0, name, topic, overwrites);
  }

  /** A text channel (MANAGE_CHANNELS for the actor); CHANNEL_CREATE. */
  public GuildOp<GuildState.Channel> create(long actorId, String name, String topic, List<GuildState.Overwrite> overwrites) {
    if (overwrites.size() > 100) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "too many overwrites: " + overwrites.size() + " (expected: <= 100)");
    }
    Checks.name("channel name", name, 1, MAX_NAME_LENGTH);
    Checks.text("topic", topic);
    if (topic.length() > 1024) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "topic too long: " + topic.length() + " chars (expected: <= 1024)");
    }
    long id = ctx.ids().next();
    return (g, step) -> {
      Checks.require(Checks.guildPermissions(g, actorId), Permissions.MANAGE_CHANNELS, "MANAGE_CHANNELS");
      for (GuildState.Overwrite o : overwrites) {
        Checks.overwrite(g, o);
      }
      GuildState.Channel c = new GuildState.Channel(id, name, topic, 0, g.channels.size(), List.copyOf(overwrites));
      g.channels.put(id, c);
      step.write(new GuildStore.ChannelRow(id, g.id, name, topic, 0, c.position()));
      for (GuildState.Overwrite o : overwrites) {
        step.write(new GuildStore.OverwriteRow(id, o.id(), o.type(), o.allow(), o.deny()));
      }
      g.channelsChanged();
      // Those who cannot see the new channel learn so before its CHANNEL_CREATE passes them.
      step.refreshVisibility(u -> true);
      step.emit("CHANNEL_CREATE", ctx.payloads().bytes(ctx.payloads().channel(g.id, c)), Intents.GUILDS, id);
      return c;
    };
  }

  /** Sets (replaces) one overwrite of a channel; dispatches CHANNEL_UPDATE. */
  public GuildOp<GuildState.Channel> setPermission(long channelId, GuildState.Overwrite overwrite) {
    return setPermission(0, channelId, overwrite);
  }

  /** As above, by {@code actorId} (MANAGE_ROLES in the channel). */
  public GuildOp<GuildState.Channel> setPermission(long actorId, long channelId, GuildState.Overwrite overwrite) {
    return (g, step) -> {
      GuildState.Channel c = Checks.channel(g, channelId);
      Checks.require(Checks.viewerPermissions(g, actorId, c), Permissions.MANAGE_ROLES, "MANAGE_ROLES");
      Checks.overwrite(g, overwrite);
      GuildState.Channel updated = c.withOverwrite(overwrite);
      g.channels.put(channelId, updated);
      step.write(new GuildStore.OverwriteRow(channelId, overwrite.id(), overwrite.type(), overwrite.allow(), overwrite.deny()));
      g.channelsChanged();
      step.refreshVisibility(u -> true);
      step.emit("CHANNEL_UPDATE", ctx.payloads().bytes(ctx.payloads().channel(g.id, updated)), Intents.GUILDS, channelId);
      return updated;
    };
  }

  /** Removes one overwrite (MANAGE_ROLES in the channel); CHANNEL_UPDATE. False if there was none. */
  public GuildOp<Boolean> deletePermission(long actorId, long channelId, long targetId) {
    return (g, step) -> {
      GuildState.Channel c = Checks.channel(g, channelId);
      Checks.require(Checks.viewerPermissions(g, actorId, c), Permissions.MANAGE_ROLES, "MANAGE_ROLES");
      List<GuildState.Overwrite> kept = c.overwrites().stream().filter(o -> o.id() != targetId).toList();
      if (kept.size() == c.overwrites().size()) {
        return false;
      }
      for (GuildState.Overwrite o : c.overwrites()) {
        if (o.id() == targetId) {
          step.write(new GuildStore.OverwriteDelete(channelId, o.id(), o.type()));
        }
      }
      GuildState.Channel updated = new GuildState.Channel(c.id(), c.name(), c.topic(), c.type(), c.position(), kept);
      g.channels.put(channelId, updated);
      g.channelsChanged();
      step.refreshVisibility(u -> true);
      step.emit("CHANNEL_UPDATE", ctx.payloads().bytes(ctx.payloads().channel(g.id, updated)), Intents.GUILDS, channelId);
      return true;
    };
  }

  /**
   * Changes a channel's name, topic or position (null: unchanged; MANAGE_CHANNELS in the
   * channel); CHANNEL_UPDATE. Returns the channel object.
   */
  public GuildOp<byte[]> update(long actorId, long channelId, @org.jspecify.annotations.Nullable String name, @org.jspecify.annotations.Nullable String topic, @org.jspecify.annotations.Nullable Integer position) {
    if (name != null) {
      Checks.name("name", name, 1, MAX_NAME_LENGTH);
    }
    if (topic != null) {
      Checks.text("topic", topic);
      if (topic.length() > 1024) {
        throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "topic too long: " + topic.length() + " chars (expected: <= 1024)");
      }
    }
    if (position != null && position < 0) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "position out of range: " + position + " (expected: >= 0)");
    }
    return (g, step) -> {
      GuildState.Channel c = Checks.channel(g, channelId);
      Checks.require(Checks.viewerPermissions(g, actorId, c), Permissions.MANAGE_CHANNELS, "MANAGE_CHANNELS");
      GuildState.Channel updated =
          new GuildState.Channel(
              c.id(), name == null ? c.name() : name, topic == null ? c.topic() : topic, c.type(), position == null ? c.position() : position, c.overwrites());
      g.channels.put(channelId, updated);
      g.channelsChanged();
      step.write(new GuildStore.ChannelUpdate(channelId, updated.name(), updated.topic(), updated.position()));
      byte[] d = ctx.payloads().bytes(ctx.payloads().channel(g.id, updated));
      step.emit("CHANNEL_UPDATE", d, Intents.GUILDS, channelId);
      return d;
    };
  }

  /** Deletes a channel with its messages (MANAGE_CHANNELS in it); CHANNEL_DELETE. Returns the channel object. */
  public GuildOp<byte[]> delete(long actorId, long channelId) {
    return (g, step) -> {
      GuildState.Channel c = Checks.channel(g, channelId);
      Checks.require(Checks.viewerPermissions(g, actorId, c), Permissions.MANAGE_CHANNELS, "MANAGE_CHANNELS");
      byte[] d = ctx.payloads().bytes(ctx.payloads().channel(g.id, c));
      // sent to those who could see it, before it is gone
      step.emit("CHANNEL_DELETE", d, Intents.GUILDS, channelId);
      g.channels.remove(channelId);
      g.channelsChanged();
      step.write(new GuildStore.ChannelDelete(channelId));
      return d;
    };
  }
}
