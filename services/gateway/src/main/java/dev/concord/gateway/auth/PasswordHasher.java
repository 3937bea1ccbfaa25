package dev.concord.gateway.auth;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * Argon2id password hashes (Spring Security's encoder over Bouncy Castle), computed off the event
 * loops on a small pool: a hash costs tens of milliseconds and {@code memoryKib} of memory by
 * design, so at most {@code threads} run at once and at most {@code queue} wait; past that the
 * call fails at once with {@link Busy} (the REST layer answers 503) rather than piling up.
 *
 * <p>Parameters (OWASP's minimum for Argon2id): 19 MiB, 2 iterations, parallelism 1, 16-byte
 * salt, 32-byte hash. The encoded form ({@code $argon2id$v=19$m=...}) carries them, so they can
 * change later without breaking stored hashes.
 *
 * <p>Unknown users: {@link #matchesNothing} runs one verification against a fixed hash, so a
 * login for a name that does not exist costs the same time as a wrong password.
 */
public final class PasswordHasher implements AutoCloseable {
  /** The pool and its queue are full. */
  public static final class Busy extends RuntimeException {
    Busy() {
      super("password hashing is busy; retry", null, false, false);
    }
  }

  public static final int MEMORY_KIB = 19 * 1024;
  public static final int ITERATIONS = 2;

  private final Argon2PasswordEncoder encoder;
  private final ThreadPoolExecutor pool;
  private final String dummyHash;

  public PasswordHasher(int threads, int queue, int memoryKib, int iterations) {
    this.encoder = new Argon2PasswordEncoder(16, 32, 1, memoryKib, iterations);
    this.pool =
        new ThreadPoolExecutor(
            threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), Thread.ofPlatform().name("password-hash-", 0).daemon().factory());
    this.pool.allowCoreThreadTimeOut(true);
    this.dummyHash = encoder.encode("concord-no-such-account");
  }

  public CompletableFuture<String> hash(String password) {
    return submit(() -> encoder.encode(password));
  }

  public CompletableFuture<Boolean> matches(String password, String hash) {
    return submit(() -> encoder.matches(password, hash));
  }

  /** A verification that always fails, as costly as a real one. */
  public CompletableFuture<Boolean> matchesNothing(String password) {
    return submit(
        () -> {
          encoder.matches(password, dummyHash);
          return false;
        });
  }

  private <T> CompletableFuture<T> submit(Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, pool);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new Busy());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
