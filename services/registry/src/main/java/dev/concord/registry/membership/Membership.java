package dev.concord.registry.membership;

import dev.concord.proto.common.v1.Role;
import dev.concord.ring.RingHolder;
import dev.concord.ring.RingMember;
import dev.concord.ring.RingSnapshot;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The current ring of every role, and the listeners that want every new one.
 *
 * <p>Versions: a role's ring version starts at 1 and increases by one per membership change, so
 * two registries that saw the same sequence of memberships publish identical snapshots; with the
 * Kubernetes source a change takes the watched object's revision instead ({@link
 * #setMembersAtRevision}). Either way a role's version only moves forward.
 *
 * <p>Concurrency: rings are published through {@link RingHolder}s (volatile, lock-free reads);
 * changes are serialized by {@code synchronized}; listeners are called outside any lock-free read
 * path, on the changing thread.
 */
public final class Membership {
  private final int virtualNodes;
  private final Map<Role, RingHolder> rings = new EnumMap<>(Role.class);
  private final List<BiConsumer<Role, RingSnapshot>> listeners = new CopyOnWriteArrayList<>();

  public Membership(int virtualNodes) {
    this.virtualNodes = virtualNodes;
    for (Role role : servedRoles()) {
      rings.put(role, new RingHolder(RingSnapshot.of(0, virtualNodes, List.of())));
    }
  }

  public static List<Role> servedRoles() {
    return List.of(Role.ROLE_GATEWAY, Role.ROLE_SESSION, Role.ROLE_GUILD, Role.ROLE_PRESENCE);
  }

  /** Parses a role name as written in configuration ({@code guild}, {@code session}, …). */
  public static Role parseRole(String name) {
    String upper = "ROLE_" + name.trim().toUpperCase(Locale.ROOT);
    for (Role r : servedRoles()) {
      if (r.name().equals(upper)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown role: " + name + " (expected: gateway, session, guild or presence)");
  }

  public RingSnapshot ring(Role role) {
    RingHolder holder = rings.get(role);
    if (holder == null) {
      throw new IllegalArgumentException("role has no ring: " + role);
    }
    return holder.current();
  }

  /** Replaces the members of {@code role}; publishes a new version if they changed. */
  public synchronized RingSnapshot setMembers(Role role, List<RingMember> members) {
    return setMembers(role, members, false);
  }

  /**
   * As {@link #setMembers(Role, List)}; with {@code force}, publishes a new version even if the
   * members are the same (a pod restarted under the same identity: watchers must learn that its
   * state is new).
   */
  public synchronized RingSnapshot setMembers(Role role, List<RingMember> members, boolean force) {
    return publish(role, members, force, 0);
  }

  /**
   * As {@link #setMembers(Role, List)} for members read from a shared, versioned source (a
   * Kubernetes object whose {@code revision} is its resourceVersion): a change is published at
   * version {@code max(current + 1, revision)}. Registry replicas that watch the same object then
   * give the same members the same version, and a watcher that moves between replicas sees versions
   * that still compare.
   */
  public synchronized RingSnapshot setMembersAtRevision(Role role, List<RingMember> members, long revision) {
    return publish(role, members, false, revision);
  }

  private RingSnapshot publish(Role role, List<RingMember> members, boolean force, long atLeastVersion) {
    RingSnapshot current = ring(role);
    if (!force && sameMembers(current.members(), members)) {
      return current;
    }
    RingSnapshot next = RingSnapshot.of(Math.max(current.version() + 1, atLeastVersion), virtualNodes, members);
    rings.get(role).offer(next);
    for (BiConsumer<Role, RingSnapshot> l : listeners) {
      l.accept(role, next);
    }
    return next;
  }

  public void addListener(BiConsumer<Role, RingSnapshot> listener) {
    listeners.add(listener);
  }

  public void removeListener(BiConsumer<Role, RingSnapshot> listener) {
    listeners.remove(listener);
  }

  private static boolean sameMembers(List<RingMember> a, List<RingMember> b) {
    return new java.util.HashSet<>(a).equals(new java.util.HashSet<>(b));
  }
}
