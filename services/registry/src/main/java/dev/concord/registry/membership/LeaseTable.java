package dev.concord.registry.membership;

import dev.concord.proto.common.v1.Role;
import dev.concord.ring.RingMember;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Membership from leases: a pod is a member of its role while it holds a lease. A lease ends on
 * goodbye, when its stream breaks, or after {@code graceNanos} without a heartbeat ({@link
 * #expire}, called periodically). Every change republishes the role's ring through {@link
 * Membership}.
 *
 * <p>A pod that reconnects with the same id replaces its old lease (the newer stream wins; the
 * end of the old stream no longer removes it).
 *
 * <p>When another source decides membership (Kubernetes endpoints), the table still grants, renews
 * and ends leases, so pods keep their {@code LeaseKeeper} unchanged and their answers carry the
 * current ring version, but it never changes a ring ({@code decidesMembership} false).
 *
 * <p>Concurrency: all methods are {@code synchronized}; leases change at human rates (joins,
 * deaths) plus one heartbeat per pod per second, far below any contention.
 */
public final class LeaseTable {
  /** Identity of one lease stream. */
  public static final class Holder {}

  private record Lease(RingMember member, Holder holder, long lastSeen) {}

  private final Membership membership;
  private final long graceNanos;
  private final LongSupplier clock;
  private final boolean decidesMembership;
  private final Map<Role, Map<String, Lease>> leases = new EnumMap<>(Role.class);

  public LeaseTable(Membership membership, long graceNanos, LongSupplier nanoClock) {
    this(membership, graceNanos, nanoClock, true);
  }

  /** With {@code decidesMembership} false, leases are kept but rings are left to another source. */
  public LeaseTable(Membership membership, long graceNanos, LongSupplier nanoClock, boolean decidesMembership) {
    this.membership = membership;
    this.graceNanos = graceNanos;
    this.clock = nanoClock;
    this.decidesMembership = decidesMembership;
    for (Role r : Membership.servedRoles()) {
      leases.put(r, new LinkedHashMap<>());
    }
  }

  /** Grants or renews a lease; returns the role's ring version after the change. */
  public synchronized long join(Role role, RingMember member, Holder holder) {
    Map<String, Lease> byId = roleLeases(role);
    Lease old = byId.put(member.id(), new Lease(member, holder, clock.getAsLong()));
    if (old == null || !old.member().equals(member)) {
      return publish(role, false);
    }
    if (old.holder() != holder) {
      // The same pod on a new stream: it restarted (its old lease may not even have ended yet).
      // A new ring version tells watchers that whatever they held with its old incarnation is gone.
      return publish(role, true);
    }
    return membership.ring(role).version();
  }

  public synchronized boolean heartbeat(Role role, String podId, Holder holder) {
    Lease l = roleLeases(role).get(podId);
    if (l == null || l.holder() != holder) {
      return false;
    }
    roleLeases(role).put(podId, new Lease(l.member(), holder, clock.getAsLong()));
    return true;
  }

  /** Ends the lease held by {@code holder} (goodbye or broken stream). */
  public synchronized void end(Role role, String podId, Holder holder) {
    Lease l = roleLeases(role).get(podId);
    if (l != null && l.holder() == holder) {
      roleLeases(role).remove(podId);
      publish(role, false);
    }
  }

  /** Ends every lease silent for longer than the grace period; returns how many ended. */
  public synchronized int expire() {
    long now = clock.getAsLong();
    int ended = 0;
    for (Map.Entry<Role, Map<String, Lease>> e : leases.entrySet()) {
      boolean changed = e.getValue().values().removeIf(l -> now - l.lastSeen() > graceNanos);
      if (changed) {
        ended++;
        publish(e.getKey(), false);
      }
    }
    return ended;
  }

  public synchronized int size() {
    int n = 0;
    for (Map<String, Lease> m : leases.values()) {
      n += m.size();
    }
    return n;
  }

  private Map<String, Lease> roleLeases(Role role) {
    Map<String, Lease> m = leases.get(role);
    if (m == null) {
      throw new IllegalArgumentException("role out of range: " + role + " (expected: one of " + Membership.servedRoles() + ")");
    }
    return m;
  }

  private long publish(Role role, boolean force) {
    if (!decidesMembership) {
      return membership.ring(role).version();
    }
    List<RingMember> members = new ArrayList<>();
    for (Lease l : roleLeases(role).values()) {
      members.add(l.member());
    }
    return membership.setMembers(role, members, force).version();
  }
}
