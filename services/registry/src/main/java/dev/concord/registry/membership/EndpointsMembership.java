package dev.concord.registry.membership;

import dev.concord.proto.common.v1.Role;
import dev.concord.ring.RingMember;
import dev.concord.ring.RingSnapshot;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership from Kubernetes: the members of a role are the ready addresses of its headless
 * Service's {@code Endpoints}. A member's id is the address's {@code targetRef} name (the pod name,
 * which pods also use as their own pod id); its address is {@code ip:port} with the endpoint port
 * named {@code portName}. Not-ready addresses, addresses that are not pods, and subsets without
 * that port are not members.
 *
 * <p>One informer per role watches its one Endpoints object (list, then watch, re-listing by itself
 * after a broken watch). A change is applied as soon as the watch delivers it, so a ring follows
 * the API server within the watch's latency (milliseconds); how soon Kubernetes itself moves a pod
 * out of the ready addresses (readiness probe period × failure threshold, or at once when the pod
 * starts terminating) is the rest of the delay.
 *
 * <p>Determinism: members are read in pod-name order and the ring is built from the member set
 * alone; a change is published at the Endpoints object's resourceVersion (see {@link
 * Membership#setMembersAtRevision}), so registry replicas watching the same object agree on both
 * the ring and, for every change they watched happen, its version. A relist that finds the same
 * ready members publishes nothing.
 *
 * <p>Concurrency: each informer delivers its events on its own single thread, in order; {@link
 * Membership} serializes changes across roles.
 */
public final class EndpointsMembership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EndpointsMembership.class);

  private final Membership membership;
  private final KubernetesClient client;
  private final String namespace;
  private final Map<Role, String> services;
  private final String portName;
  private final List<SharedIndexInformer<Endpoints>> informers = new ArrayList<>();

  /**
   * @param services the headless Service of each role; roles left out keep an empty ring
   */
  public EndpointsMembership(
      Membership membership, KubernetesClient client, String namespace, Map<Role, String> services, String portName) {
    this.membership = membership;
    this.client = client;
    this.namespace = namespace;
    this.services = Map.copyOf(services);
    this.portName = portName;
  }

  /**
   * Starts watching and returns once every role's Endpoints were listed once (so the registry
   * serves rings built from the cluster, not empty ones, from its first answer).
   *
   * @throws IllegalStateException if a list did not succeed within {@code timeout} (API server
   *     unreachable, or no permission to list and watch endpoints); the informers are stopped
   */
  public synchronized void start(Duration timeout) throws InterruptedException {
    List<CompletableFuture<Void>> synced = new ArrayList<>();
    for (Map.Entry<Role, String> e : new TreeMap<>(services).entrySet()) {
      Role role = e.getKey();
      String service = e.getValue();
      SharedIndexInformer<Endpoints> informer =
          client.endpoints().inNamespace(namespace).withName(service).runnableInformer(0);
      // Keep retrying (with the client's backoff) whatever failed: a missing permission or an API
      // server outage is fixed from outside, and the registry should pick up from there by itself.
      informer.exceptionHandler(
          (started, t) -> {
            log.warn("watching endpoints {}/{} for {} failed (retrying): {}", namespace, service, role, t.toString());
            return true;
          });
      informer.addEventHandler(new RoleEndpoints(role, service));
      informers.add(informer);
      synced.add(informer.start().toCompletableFuture());
    }
    try {
      CompletableFuture.allOf(synced.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      close();
      throw new IllegalStateException(
          "could not list the endpoints of " + services + " in namespace " + namespace + " within " + timeout
              + " (is the API server reachable, and may this pod list and watch endpoints there?)",
          e);
    }
    log.info("membership from the endpoints of {} in namespace {} (port {})", services, namespace, portName);
  }

  @Override
  public synchronized void close() {
    for (SharedIndexInformer<Endpoints> informer : informers) {
      informer.close();
    }
    informers.clear();
  }

  /**
   * The members that {@code endpoints} gives a role: each ready pod address once, in pod-name
   * order, at {@code ip:port} of the port named {@code portName}.
   */
  public static List<RingMember> readyMembers(@Nullable Endpoints endpoints, String portName) {
    TreeMap<String, RingMember> byPod = new TreeMap<>();
    if (endpoints == null || endpoints.getSubsets() == null) {
      return List.of();
    }
    for (EndpointSubset subset : endpoints.getSubsets()) {
      Integer port = portNamed(subset, portName);
      if (port == null || subset.getAddresses() == null) {
        continue;
      }
      for (EndpointAddress address : subset.getAddresses()) {
        String pod = podName(address.getTargetRef());
        String ip = address.getIp();
        if (pod != null && ip != null && !ip.isEmpty()) {
          byPod.putIfAbsent(pod, new RingMember(pod, hostPort(ip, port)));
        }
      }
    }
    return List.copyOf(byPod.values());
  }

  private static @Nullable Integer portNamed(EndpointSubset subset, String name) {
    if (subset.getPorts() == null) {
      return null;
    }
    for (EndpointPort p : subset.getPorts()) {
      if (name.equals(p.getName()) && p.getPort() != null) {
        return p.getPort();
      }
    }
    return null;
  }

  private static @Nullable String podName(@Nullable ObjectReference ref) {
    if (ref == null || ref.getName() == null || ref.getName().isEmpty()) {
      return null;
    }
    // Endpoints controllers name the pod; a hand-written address may name nothing or something else
    return ref.getKind() == null || ref.getKind().equals("Pod") ? ref.getName() : null;
  }

  private static String hostPort(String ip, int port) {
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
  }

  /** resourceVersion as a number; 0 (no lower bound) if absent or not numeric. */
  static long revision(@Nullable Endpoints endpoints) {
    if (endpoints == null || endpoints.getMetadata() == null) {
      return 0;
    }
    String rv = endpoints.getMetadata().getResourceVersion();
    if (rv == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(rv));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Applies one role's Endpoints events, in the order the informer delivers them. */
  private final class RoleEndpoints implements ResourceEventHandler<Endpoints> {
    private final Role role;
    private final String service;

    RoleEndpoints(Role role, String service) {
      this.role = role;
      this.service = service;
    }

    @Override
    public void onAdd(Endpoints endpoints) {
      apply(readyMembers(endpoints, portName), revision(endpoints), "listed");
    }

    @Override
    public void onUpdate(Endpoints before, Endpoints endpoints) {
      apply(readyMembers(endpoints, portName), revision(endpoints), "changed");
    }

    @Override
    public void onDelete(Endpoints endpoints, boolean finalStateUnknown) {
      apply(List.of(), revision(endpoints), "deleted");
    }

    private void apply(List<RingMember> members, long revision, String what) {
      RingSnapshot before = membership.ring(role);
      RingSnapshot after = membership.setMembersAtRevision(role, members, revision);
      if (after != before) {
        log.info(
            "{} ring v{}: {} ready members from endpoints {}/{} ({})",
            role, after.version(), members.size(), namespace, service, what);
        log.debug("{} ring v{} members: {}", role, after.version(), members);
      }
    }
  }
}
