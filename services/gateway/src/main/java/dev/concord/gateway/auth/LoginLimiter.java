package dev.concord.gateway.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fixed windows against password guessing: at most {@code perName} attempts per login name and
 * {@code perAddress} per client address in each {@code window}, whichever is used up first (a
 * guesser spreading over addresses still meets the name's limit; one address trying many names
 * meets its own). Refused attempts count too.
 *
 * <p>Bounds: at most {@code maxKeys} windows; past that, expired ones are dropped, and if every
 * one is live, new keys are refused (fail closed: under a flood of names a new name waits for the
 * window, rather than the flood resetting everyone's count).
 *
 * <p>Concurrency: a concurrent map; each window updated under its own lock.
 */
public final class LoginLimiter {
  private static final class Window {
    long startMs;
    int used;
  }

  private final int perName;
  private final int perAddress;
  private final long windowMs;
  private final int maxKeys;
  private final Clock clock;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  public LoginLimiter(int perName, int perAddress, Duration window, int maxKeys, Clock clock) {
    this.perName = perName;
    this.perAddress = perAddress;
    this.windowMs = window.toMillis();
    this.maxKeys = maxKeys;
    this.clock = clock;
  }

  /**
   * Takes one attempt for {@code name} from {@code address}; answers 0 when allowed, else the
   * milliseconds until the limiting window resets.
   */
  public long tryAcquire(String address, String name) {
    long now = clock.millis();
    long a = take("a:" + address, perAddress, now);
    long n = take("n:" + name, perName, now);
    return Math.max(a, n);
  }

  private long take(String key, int limit, long now) {
    Window w = windows.get(key);
    if (w == null) {
      if (windows.size() >= maxKeys) {
        windows.values().removeIf(x -> now - x.startMs >= windowMs);
        if (windows.size() >= maxKeys) {
          return windowMs;
        }
      }
      w = windows.computeIfAbsent(key, k -> new Window());
    }
    synchronized (w) {
      if (now - w.startMs >= windowMs) {
        w.startMs = now;
        w.used = 0;
      }
      if (w.used >= limit) {
        return Math.max(1, w.startMs + windowMs - now);
      }
      w.used++;
      return 0;
    }
  }
}
