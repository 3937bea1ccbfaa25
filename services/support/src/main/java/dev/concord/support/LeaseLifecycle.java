package dev.concord.support;

import dev.concord.cluster.LeaseKeeper;
import org.springframework.context.SmartLifecycle;

/**
 * Joins the pod's ring after everything else started (its gRPC server is listening, so nobody is
 * routed to a pod that cannot answer yet) and says goodbye before anything else stops (callers
 * move to the new owners while this pod still answers). The last phase starts last and stops
 * first.
 */
public final class LeaseLifecycle implements SmartLifecycle {
  private final LeaseKeeper keeper;

  public LeaseLifecycle(LeaseKeeper keeper) {
    this.keeper = keeper;
  }

  @Override
  public void start() {
    keeper.start();
  }

  @Override
  public void stop() {
    keeper.close();
  }

  @Override
  public boolean isRunning() {
    return keeper.isRunning();
  }

  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 1000;
  }
}
