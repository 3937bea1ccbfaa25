package dev.concord.guild.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * "Which guild is backed up?": the guilds of this pod ranked by mailbox depth, operation rate or
 * subscribers, and one guild in detail. Reads what the loops publish ({@link GuildActivity}, the
 * mailbox depth) without entering any loop, so it answers even when a loop is stuck.
 */
public final class GuildIntrospection {
  /** One guild as the endpoint shows it. */
  public record GuildView(
      String id, String name, String state, int mailbox, double eventsPerSecond, int subscribers, long epoch) {}

  /** The pod: active guilds, tasks queued on their loops, writes waiting for the journal. */
  public record PodView(int activeGuilds, long queuedTasks, int journalPending, List<GuildView> guilds) {}

  public enum By {
    MAILBOX,
    RATE,
    SUBSCRIBERS
  }

  static final int MAX_TOP = 1000;

  private final GuildHost host;
  private final Clock clock;

  public GuildIntrospection(GuildHost host, Clock clock) {
    this.host = host;
    this.clock = clock;
  }

  /** The {@code top} guilds (at most {@value #MAX_TOP}) by {@code by}, highest first. */
  public PodView top(int top, By by) {
    long now = clock.millis();
    List<GuildView> all = new ArrayList<>();
    for (GuildHost.Active a : host.actives()) {
      all.add(view(a, now));
    }
    Comparator<GuildView> order =
        switch (by) {
          case MAILBOX -> Comparator.comparingInt(GuildView::mailbox);
          case RATE -> Comparator.comparingDouble(GuildView::eventsPerSecond);
          case SUBSCRIBERS -> Comparator.comparingInt(GuildView::subscribers);
        };
    all.sort(order.reversed().thenComparing(GuildView::id));
    List<GuildView> shown = all.subList(0, Math.min(all.size(), Math.clamp(top, 1, MAX_TOP)));
    return new PodView(all.size(), host.pendingTasks(), host.journalPending(), List.copyOf(shown));
  }

  public Optional<GuildView> guild(long guildId) {
    GuildHost.Active a = host.active(guildId);
    return a == null ? Optional.empty() : Optional.of(view(a, clock.millis()));
  }

  private static GuildView view(GuildHost.Active a, long now) {
    GuildState g = a.state;
    String state = a.evicted ? "evicted" : g == null ? (a.activation == null ? "dormant" : "loading") : "active";
    return new GuildView(
        Long.toUnsignedString(a.guildId),
        g == null ? "" : g.name(),
        state,
        a.loop.depth(),
        a.activity.perSecond(now),
        a.activity.subscribers(),
        g == null ? 0 : g.epoch);
  }
}
