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
    return (g, step) -> {
      GuildState.Channel c = Checks.channel(g, channelId);
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
}
