package dev.concord.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in tests: on a condition, with a deadline, never a fixed sleep. */
public final class Await {
  private Await() {}

  /** Returns once {@code condition} holds; fails with {@code what} after {@code timeout}. */
  public static void until(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      Thread.sleep(2);
    }
  }

  /** {@link #until} with a 5 s deadline. */
  public static void until(BooleanSupplier condition, String what) throws InterruptedException {
    until(condition, Duration.ofSeconds(5), what);
  }
}
