package dev.concord.guild.core;

import java.util.LinkedHashSet;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;

/**
 * The guild's side of lazy member lists ({@link MemberList}): a session's subscription, and the
 * ops a member's change sends, in the guild's order with its other events. Called on the guild's
 * loop; a guild with no list subscriber keeps no list and sends nothing.
 */
final class MemberListOps {
  static final String EVENT = "GUILD_MEMBER_LIST_UPDATE";

  private final OpContext ctx;

  MemberListOps(OpContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Sets {@code sessionId}'s ranges (inclusive [start, end] pairs; none: unsubscribed) and sends it
   * one SYNC op per range. The session must be subscribed to the guild. While it shows the list,
   * it gets presences only of the members it displays (list UPDATE ops), not every
   * PRESENCE_UPDATE: in a guild of 200 000 online, most presence changes are of members no client
   * on screen shows.
   */
  GuildOp<Boolean> subscribe(String sessionId, int[] ranges) {
    return (g, step) -> {
      if (!g.subscribers.containsKey(sessionId)) {
        throw new GuildException(GuildException.Kind.NOT_FOUND, "session " + sessionId + " is not subscribed to the guild");
      }
      if (g.memberList == null) {
        if (ranges.length == 0) {
          return true;
        }
        g.memberList = MemberList.of(g, ctx.users());
      }
      MemberList list = g.memberList;
      list.subscribe(sessionId, ranges);
      g.presencesViaList(g.subscribers.get(sessionId), ranges.length > 0);
      if (ranges.length > 0) {
        ArrayNode ops = list.sync(ctx.payloads(), g, ctx.users(), ranges);
        step.emitToSessions(MemberList.byPod(g, List.of(sessionId)), EVENT, ctx.payloads().bytes(list.update(ctx.payloads(), g, ops)));
      } else if (!list.hasSubscribers()) {
        g.memberList = null;
      }
      return true;
    };
  }

  /** {@code userId} came online (its presence was stored): INSERT where it sorts. */
  void online(GuildState g, Step step, long userId) {
    MemberList list = g.memberList;
    GuildState.Member m = g.members.get(userId);
    if (list == null || m == null || list.indexOf(userId) >= 0) {
      return;
    }
    int index = list.insert(userId, MemberList.sortName(m, ctx.users().get(userId)));
    ArrayNode ops = ctx.payloads().array();
    ops.addObject().put("op", "INSERT").put("index", index).set("item", list.item(ctx.payloads(), g, ctx.users(), index));
    send(g, step, list, ops, list.touched(index, true));
  }

  /** {@code userId} went offline or left: DELETE of its item. Call before the member is removed. */
  void offline(GuildState g, Step step, long userId) {
    MemberList list = g.memberList;
    if (list == null) {
      return;
    }
    int index = list.remove(userId);
    if (index < 0) {
      return;
    }
    ArrayNode ops = ctx.payloads().array();
    ops.addObject().put("op", "DELETE").put("index", index);
    send(g, step, list, ops, list.touched(index, true));
  }

  /** An online member changed (presence, nick, roles, names): UPDATE, or a move if its name sorts elsewhere. */
  void changed(GuildState g, Step step, long userId) {
    MemberList list = g.memberList;
    GuildState.Member m = g.members.get(userId);
    int index = list == null ? -1 : list.indexOf(userId);
    if (index < 0 || m == null) {
      return;
    }
    String name = MemberList.sortName(m, ctx.users().get(userId));
    ArrayNode ops = ctx.payloads().array();
    if (name.equals(list.sortNameOf(userId))) {
      ops.addObject().put("op", "UPDATE").put("index", index).set("item", list.item(ctx.payloads(), g, ctx.users(), index));
      send(g, step, list, ops, list.touched(index, false));
      return;
    }
    LinkedHashSet<String> touched = new LinkedHashSet<>(list.touched(index, true));
    list.remove(userId);
    ops.addObject().put("op", "DELETE").put("index", index);
    int now = list.insert(userId, name);
    ops.addObject().put("op", "INSERT").put("index", now).set("item", list.item(ctx.payloads(), g, ctx.users(), now));
    touched.addAll(list.touched(now, true));
    send(g, step, list, ops, List.copyOf(touched));
  }

  private void send(GuildState g, Step step, MemberList list, ArrayNode ops, List<String> sessions) {
    if (!sessions.isEmpty()) {
      step.emitToSessions(MemberList.byPod(g, sessions), EVENT, ctx.payloads().bytes(list.update(ctx.payloads(), g, ops)));
    }
  }
}
