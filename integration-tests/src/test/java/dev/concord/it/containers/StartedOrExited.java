package dev.concord.it.containers;

import java.util.regex.Pattern;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * Ready once Spring Boot logs "Started …Application"; fails as soon as the container exits
 * instead of waiting out the timeout (a log wait alone would sit there, e.g. after a port clash).
 */
final class StartedOrExited extends AbstractWaitStrategy {
  private static final Pattern STARTED = Pattern.compile("Started \\w+Application in ");

  @Override
  protected void waitUntilReady() {
    long deadline = System.nanoTime() + startupTimeout.toNanos();
    while (true) {
      String logs = waitStrategyTarget.getLogs();
      if (STARTED.matcher(logs).find()) {
        return;
      }
      if (!waitStrategyTarget.isRunning()) {
        throw new ContainerLaunchException("the container exited before the application started; its output:\n" + logs);
      }
      if (System.nanoTime() > deadline) {
        throw new ContainerLaunchException("the application did not start within " + startupTimeout);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerLaunchException("interrupted while waiting for the application to start", e);
      }
    }
  }
}
