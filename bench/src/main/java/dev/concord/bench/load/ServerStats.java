package dev.concord.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Where the server's CPU time, resident memory and GC come from: a child JVM, a local pid, or nowhere. */
sealed interface ServerStats {
  /** A full GC; returns the heap in use after it (bytes, -1 if unknown). */
  long gc() throws InterruptedException;

  long rssBytes();

  Duration cpu();

  /**
   * Write system calls the server has made so far ({@code syscw} of {@code /proc/<pid>/io}: write,
   * writev, sendmsg...; -1 if unknown). Per delivery it shows how many frames each socket write
   * carries, which the kernel's per-call cost makes the largest part of a burst's CPU.
   */
  default long writeSyscalls() {
    return -1;
  }

  /** {collections, their milliseconds, JIT compilers' milliseconds, heap bytes allocated}; -1s if unknown. */
  long[] gcStats() throws InterruptedException;

  /** Server log lines at ERROR or naming RESOURCE_EXHAUSTED so far (-1: no log here), with the first. */
  default String errors() {
    return "-1";
  }

  /** CPU of the server's JIT compiler threads so far (zero if unknown). */
  default Duration compilerCpu() {
    return Duration.ZERO;
  }

  /** Writes each server JVM's live objects by class to {@code <prefix>-<name>.txt} (if it can). */
  default void histograms(Path prefix) throws InterruptedException {}

  /** Per server JVM (five for the split suite): {CPU nanoseconds so far, resident bytes now, heap in use after the last GC}; empty if unknown. */
  default java.util.Map<String, long[]> each() {
    return java.util.Map.of();
  }

  /** The JVMs the load generator started (one, or five for {@code split}). */
  record Process(ServerGroup p) implements ServerStats {
    @Override
    public long gc() throws InterruptedException {
      return p.gc();
    }

    @Override
    public long rssBytes() {
      return p.rssBytes();
    }

    @Override
    public Duration cpu() {
      return p.cpu();
    }

    @Override
    public long[] gcStats() throws InterruptedException {
      return p.gcStats();
    }

    @Override
    public long writeSyscalls() {
      return p.writeSyscalls();
    }

    @Override
    public String errors() {
      return p.errors();
    }

    @Override
    public java.util.Map<String, long[]> each() {
      return p.each();
    }

    @Override
    public void histograms(Path prefix) throws InterruptedException {
      p.histograms(prefix);
    }

    @Override
    public Duration compilerCpu() {
      return p.compilerCpu();
    }
  }

  /** A server JVM running on this machine (a deployed one's pod, a {@code make run}): GC through {@code jcmd}. */
  record Pid(long pid) implements ServerStats {
    @Override
    public long gc() throws InterruptedException {
      try {
        java.lang.Process jcmd =
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), "GC.run")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!jcmd.waitFor(60, TimeUnit.SECONDS)) {
          jcmd.destroyForcibly();
        }
      } catch (IOException e) {
        // no jcmd: the memory numbers include garbage
      }
      return -1;
    }

    @Override
    public long rssBytes() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | NumberFormatException e) {
        return 0;
      }
      return 0;
    }

    @Override
    public Duration cpu() {
      return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO);
    }

    @Override
    public long[] gcStats() {
      return new long[] {-1, -1, -1, -1};
    }

    @Override
    public long writeSyscalls() {
      return ServerProcess.writeSyscalls(pid);
    }
  }

  /** A remote server: no CPU or memory numbers. */
  record None() implements ServerStats {
    @Override
    public long gc() {
      return -1;
    }

    @Override
    public long rssBytes() {
      return 0;
    }

    @Override
    public Duration cpu() {
      return Duration.ZERO;
    }

    @Override
    public long[] gcStats() {
      return new long[] {-1, -1, -1, -1};
    }
  }
}
