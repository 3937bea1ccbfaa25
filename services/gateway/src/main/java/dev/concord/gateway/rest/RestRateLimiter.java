package dev.concord.gateway.rest;

import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Discord-style REST rate limits: a fixed window per (user, route bucket, major parameter) and a
 * global window per user. A request takes one slot of each; when either is used up it is refused
 * with 429 and the time until its window resets.
 *
 * <p>Bounds: at most {@code maxWindows} windows are kept; past that, expired ones are dropped (and
 * if every one is live, all are, which only forgives some requests: memory never grows).
 *
 * <p>Concurrency: a concurrent map of windows, each updated under its own lock (a few nanoseconds,
 * one request at a time per key).
 */
final class RestRateLimiter {
  /** The outcome of one request, with what the X-RateLimit-* headers report. */
  record Decision(boolean allowed, boolean global, int limit, int remaining, long resetAtMs, long resetAfterMs, String bucket) {}

  private static final class Window {
    long startMs;
    int used;
  }

  private final int routeLimit;
  private final long routeWindowMs;
  private final int globalLimit;
  private final long globalWindowMs;
  private final int maxWindows;
  private final Clock clock;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
  /** Route template → bucket id (as many as there are routes). */
  private final ConcurrentHashMap<String, String> bucketIds = new ConcurrentHashMap<>();

  RestRateLimiter(int routeLimit, Duration routeWindow, int globalLimit, Duration globalWindow, int maxWindows, Clock clock) {
    this.routeLimit = routeLimit;
    this.routeWindowMs = routeWindow.toMillis();
    this.globalLimit = globalLimit;
    this.globalWindowMs = globalWindow.toMillis();
    this.maxWindows = maxWindows;
    this.clock = clock;
  }

  /**
   * Takes a slot for {@code userId} on {@code route} (its template) with {@code major} (a channel or
   * guild id, or ""): one of the route bucket's and one of the global window's, or neither.
   */
  Decision acquire(long userId, String route, String major) {
    long now = clock.millis();
    String bucket = bucketIds.computeIfAbsent(route, RestRateLimiter::bucketId);
    Window w = window(userId + ":" + bucket + ":" + major);
    Window global = window("g:" + userId);
    // lock order: the route's window, then the global one (never the other way round)
    synchronized (w) {
      roll(w, now, routeWindowMs);
      long resetAt = w.startMs + routeWindowMs;
      if (w.used >= routeLimit) {
        return new Decision(false, false, routeLimit, 0, resetAt, resetAt - now, bucket);
      }
      synchronized (global) {
        roll(global, now, globalWindowMs);
        if (global.used >= globalLimit) {
          long globalReset = global.startMs + globalWindowMs;
          return new Decision(false, true, globalLimit, 0, globalReset, globalReset - now, bucket);
        }
        global.used++;
      }
      w.used++;
      return new Decision(true, false, routeLimit, routeLimit - w.used, resetAt, resetAt - now, bucket);
    }
  }

  private static void roll(Window w, long now, long windowMs) {
    if (now - w.startMs >= windowMs) {
      w.startMs = now;
      w.used = 0;
    }
  }

  private Window window(String key) {
    Window w = windows.get(key);
    if (w != null) {
      return w;
    }
    if (windows.size() >= maxWindows) {
      long now = clock.millis();
      long longest = Math.max(routeWindowMs, globalWindowMs);
      windows.values().removeIf(x -> now - x.startMs >= longest);
      if (windows.size() >= maxWindows) {
        windows.clear();
      }
    }
    return windows.computeIfAbsent(key, k -> new Window());
  }

  int windows() {
    return windows.size();
  }

  /** A stable opaque id of a route template (what X-RateLimit-Bucket carries). */
  static String bucketId(String route) {
    return HexFormat.of().toHexDigits(route.hashCode()) + HexFormat.of().toHexDigits((long) route.length());
  }
}
