package dev.concord.it.containers;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import dev.concord.testkit.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One Concord service as its image {@code concord/<service>:<tag>}, on the host's network (the
 * only networking these machines have): it listens on the fixed loopback ports its environment
 * gives it. Ready when Spring Boot logs that the application started ({@link StartedOrExited};
 * Testcontainers' port checks need mapped ports, which host networking has none of).
 */
final class ServiceContainer extends GenericContainer<ServiceContainer> {
  static final String TAG = System.getProperty("concord.image.tag", "0.1.0");
  /** Memory limit per container: the JVM sizes its heap from it (MaxRAMPercentage in the image). */
  private static final long MEMORY_BYTES = 768L << 20;

  private final String name;
  private int grpcPort;
  private int httpPort;
  private int actuatorPort;
  private @Nullable LongConsumer onStarting;

  ServiceContainer(String service, String name) {
    super(DockerImageName.parse("concord/" + service + ":" + TAG));
    this.name = name;
    withNetworkMode("host");
    // images come from `make images`, never from a registry
    withImagePullPolicy(image -> false);
    // as the Helm chart runs the pods: read-only root filesystem with a writable /tmp, no
    // capabilities, no privilege escalation, a memory limit
    withCreateContainerCmdModifier(
        cmd ->
            cmd.getHostConfig()
                .withMemory(MEMORY_BYTES)
                .withReadonlyRootfs(true)
                .withTmpFs(Map.of("/tmp", "rw,exec,nosuid,size=64m"))
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges")));
    waitingFor(new StartedOrExited().withStartupTimeout(Duration.ofMinutes(3)));
  }

  String name() {
    return name;
  }

  /**
   * In a network namespace of its own with only loopback ({@code --network none}); {@code plumb}
   * gets the container's PID right after it started, before its JVM is up, to wire the namespace
   * to the host ({@link PodNetwork}).
   */
  ServiceContainer inOwnNetwork(LongConsumer plumb) {
    onStarting = plumb;
    return withNetworkMode("none");
  }

  @Override
  protected void containerIsStarting(InspectContainerResponse containerInfo) {
    super.containerIsStarting(containerInfo);
    if (onStarting != null) {
      onStarting.accept(containerInfo.getState().getPidLong());
    }
  }

  /** The gRPC and HTTP ports the service listens on (actuator too, unless a management port is set). */
  ServiceContainer withPorts(int grpcPort, int httpPort) {
    this.grpcPort = grpcPort;
    this.httpPort = httpPort;
    actuatorPort = httpPort;
    return withEnv("SPRING_GRPC_SERVER_PORT", Integer.toString(grpcPort)).withEnv("SERVER_PORT", Integer.toString(httpPort));
  }

  /** Actuator on its own port, away from the service's HTTP port. */
  ServiceContainer withManagementPort(int port) {
    actuatorPort = port;
    return withEnv("MANAGEMENT_SERVER_PORT", Integer.toString(port));
  }

  int grpcPort() {
    return grpcPort;
  }

  int httpPort() {
    return httpPort;
  }

  /** Where {@code /actuator/health} answers. */
  int actuatorPort() {
    return actuatorPort;
  }

  /**
   * {@code docker stop}: SIGTERM to the JVM (PID 1 in the image), then SIGKILL after {@code grace}
   * if it has not exited. Returns once the container has stopped.
   */
  void stopGracefully(Duration grace) {
    DockerClientFactory.instance().client().stopContainerCmd(getContainerId()).withTimeout((int) grace.toSeconds()).exec();
  }

  /** {@code docker kill}: SIGKILL, no shutdown hook, no goodbye to the registry; a crash. */
  void kill() {
    DockerClientFactory.instance().client().killContainerCmd(getContainerId()).exec();
  }

  /** {@code docker start} of the stopped container: the same pod id and ports, a fresh JVM (a restart). */
  void startAgain() {
    DockerClientFactory.instance().client().startContainerCmd(getContainerId()).exec();
  }

  /**
   * {@code docker pause}: every process of the pod frozen (cgroup freezer) with its sockets open:
   * to the rest of the cluster it is partitioned away, and it does not know it until it thaws.
   */
  void pause() throws InterruptedException {
    // runc gives up on a freeze that does not settle in time ("unable to freeze", moby/moby#48205:
    // seen here once in a busy run) and thaws the cgroup again, so trying again is safe
    Await.until(this::tryPause, Duration.ofSeconds(10), "docker pause of " + name + " (runc: unable to freeze)");
  }

  /** One {@code docker pause}: true if frozen, false if runc could not freeze it this time. */
  private boolean tryPause() {
    try {
      DockerClientFactory.instance().client().pauseContainerCmd(getContainerId()).exec();
      return true;
    } catch (com.github.dockerjava.api.exception.InternalServerErrorException e) {
      if (e.getMessage() == null || !e.getMessage().contains("unable to freeze")) {
        throw e;
      }
      System.err.println("docker pause of " + name + " did not freeze; again");
      return false;
    }
  }

  void unpause() {
    DockerClientFactory.instance().client().unpauseContainerCmd(getContainerId()).exec();
  }

  /** The container's exit code once it stopped. */
  long exitCode() {
    return DockerClientFactory.instance().client().inspectContainerCmd(getContainerId()).exec().getState().getExitCodeLong();
  }

  /** Keeps the container's output under {@code dir} for post-mortems (best effort). */
  void saveLogs(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name + ".log"), getLogs());
    } catch (IOException | RuntimeException e) {
      System.err.println("could not save the logs of " + name + ": " + e);
    }
  }
}
