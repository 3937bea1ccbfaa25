package dev.concord.gateway.ws;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Discord's {@code session_start_limit}: how many IDENTIFYs a token may make per window (1000 per
 * 24 h by default), counted per user on this gateway pod, and reported by {@code GET
 * /gateway/bot}. An IDENTIFY past the limit is refused (close 4004, as Discord resets such a
 * token); RESUMEs are free.
 *
 * <p>Counted per gateway pod: with N pods a token can make up to N × total identifies per window
 * (a shared count would need a cluster-wide store; the bound still holds per pod).
 *
 * <p>Bounds: one small window per user that identified in the last window; expired ones are
 * dropped when the map passes {@code maxUsers} (and all of them if every one is live).
 *
 * <p>Concurrency: a concurrent map of windows, each updated under its own lock.
 */
public final class SessionStartLimit {
  /** What GET /gateway/bot reports. */
  public record Remaining(int total, int remaining, long resetAfterMs, int maxConcurrency) {}

  private static final class Window {
    long startMs;
    int used;
  }

  private final int total;
  private final long windowMs;
  private final int maxConcurrency;
  private final int maxUsers;
  private final Clock clock;
  private final ConcurrentHashMap<Long, Window> windows = new ConcurrentHashMap<>();

  public SessionStartLimit(int total, Duration window, int maxConcurrency, int maxUsers, Clock clock) {
    this.total = total;
    this.windowMs = window.toMillis();
    this.maxConcurrency = maxConcurrency;
    this.maxUsers = maxUsers;
    this.clock = clock;
  }

  /** Takes one identify for {@code userId}; false when its window is used up. */
  public boolean tryIdentify(long userId) {
    long now = clock.millis();
    Window w = window(userId, now);
    synchronized (w) {
      roll(w, now);
      if (w.used >= total) {
        return false;
      }
      w.used++;
      return true;
    }
  }

  /** Gives back an identify of {@code userId} that started no session (its answer was INVALID_SESSION). */
  public void refund(long userId) {
    Window w = windows.get(userId);
    if (w != null) {
      synchronized (w) {
        if (w.used > 0) {
          w.used--;
        }
      }
    }
  }

  public Remaining remaining(long userId) {
    long now = clock.millis();
    Window w = windows.get(userId);
    if (w == null) {
      return new Remaining(total, total, windowMs, maxConcurrency);
    }
    synchronized (w) {
      roll(w, now);
      long resetAfter = w.used == 0 ? windowMs : w.startMs + windowMs - now;
      return new Remaining(total, total - w.used, resetAfter, maxConcurrency);
    }
  }

  private void roll(Window w, long now) {
    if (now - w.startMs >= windowMs) {
      w.startMs = now;
      w.used = 0;
    }
  }

  private Window window(long userId, long now) {
    Window w = windows.get(userId);
    if (w != null) {
      return w;
    }
    if (windows.size() >= maxUsers) {
      windows.values().removeIf(x -> now - x.startMs >= windowMs);
      if (windows.size() >= maxUsers) {
        windows.clear();
      }
    }
    return windows.computeIfAbsent(userId, k -> new Window());
  }
}
