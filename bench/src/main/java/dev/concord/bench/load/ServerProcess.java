package dev.concord.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LoadServer} child JVM: started with this JVM's class path, its output kept in a log
 * file, its CPU time and resident memory read from {@code /proc}, a full GC on request.
 */
final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final PrintWriter control;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger errors = new java.util.concurrent.atomic.AtomicInteger();
  private volatile String firstError = "";
  final Map<String, String> addresses = new HashMap<>();

  private ServerProcess(Process process) {
    this.process = process;
    this.control = new PrintWriter(process.outputWriter(StandardCharsets.UTF_8), true);
  }

  static ServerProcess start(String target, List<String> jvmFlags, List<String> serverArgs, Path log) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(LoadServer.class.getName());
    cmd.add("--target");
    cmd.add(target);
    cmd.addAll(serverArgs);
    Files.createDirectories(log.getParent());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    ServerProcess s = new ServerProcess(p);
    Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
    Thread.ofPlatform().daemon().name("load-server-output").start(() -> s.pump(file));
    String ready = s.answers.poll(120, TimeUnit.SECONDS);
    if (ready == null || !ready.startsWith("ready ")) {
      s.close();
      throw new IllegalStateException(target + " server did not start in 120 s (see " + log + ")");
    }
    for (String kv : ready.substring("ready ".length()).split(" ")) {
      int eq = kv.indexOf('=');
      s.addresses.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return s;
  }

  private void pump(Writer file) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)); file) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith(LoadServer.PREFIX)) {
          answers.add(line.substring(LoadServer.PREFIX.length()));
        } else {
          if (line.contains(" ERROR ") || line.contains("RESOURCE_EXHAUSTED")) {
            if (errors.getAndIncrement() == 0) {
              firstError = line;
            }
          }
          file.write(line);
          file.write('\n');
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  /** Log lines of the server at ERROR level or naming RESOURCE_EXHAUSTED so far, and the first one. */
  int errors() {
    return errors.get();
  }

  String firstError() {
    return firstError;
  }

  long pid() {
    return process.pid();
  }

  /** CPU time of the whole server process (all threads, user + system) so far. */
  Duration cpu() {
    return ProcessHandle.of(process.pid()).flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO);
  }

  /**
   * CPU time of the JIT compiler threads now alive ({@code C1/C2 CompilerThread}, user + system,
   * from {@code /proc/<pid>/task/<tid>/stat}). A compiler thread that exits takes its time with it,
   * so a difference of two readings can only under-count the JIT's share.
   */
  Duration compilerCpu() {
    return compilerCpu(process.pid());
  }

  static Duration compilerCpu(long pid) {
    long ticks = 0;
    try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          if (!Files.readString(t.resolve("comm")).contains("CompilerThre")) { // "C2 CompilerThread0", cut to 15
            continue;
          }
          String stat = Files.readString(t.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        } catch (IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return Duration.ZERO;
    }
    return Duration.ofMillis(ticks * 1000 / CLOCK_TICKS);
  }

  /** Write system calls of {@code pid} so far, from {@code /proc/<pid>/io} (-1 if unreadable). */
  static long writeSyscalls(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
        if (line.startsWith("syscw:")) {
          return Long.parseLong(line.substring(6).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  long writeSyscalls() {
    return writeSyscalls(process.pid());
  }

  /** USER_HZ: 100 on Linux for /proc's tick counts. */
  private static final long CLOCK_TICKS = 100;

  /** Resident set size, from {@code /proc/<pid>/status} (0 if unreadable). */
  long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /** A full GC in the server; waits for it (at most 60 s). Returns the heap in use after it (bytes). */
  long gc() throws InterruptedException {
    String a = ask("gc", "gc-done");
    int at = a.indexOf("used=");
    return at < 0 ? -1 : Long.parseLong(a.substring(at + 5).trim());
  }

  /** Writes the live objects by class into {@code file} (a full GC first); waits for it. */
  void histogram(Path file) throws InterruptedException {
    ask("histogram " + file.toAbsolutePath(), "histogram-done");
  }

  /**
   * Collections and their total time (ms) in the server so far, the JIT compilers' time (ms), and
   * the heap bytes its threads allocated (-1: not counted).
   */
  long[] gcStats() throws InterruptedException {
    String s = ask("gcstats", "gcstats ");
    long[] out = {0, 0, 0, -1};
    for (String kv : s.split(" ")) {
      if (kv.startsWith("count=")) {
        out[0] = Long.parseLong(kv.substring(6));
      } else if (kv.startsWith("millis=")) {
        out[1] = Long.parseLong(kv.substring(7));
      } else if (kv.startsWith("jit=")) {
        out[2] = Long.parseLong(kv.substring(4));
      } else if (kv.startsWith("alloc=")) {
        out[3] = Long.parseLong(kv.substring(6));
      }
    }
    return out;
  }

  private String ask(String command, String answerPrefix) throws InterruptedException {
    control.println(command);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String a = answers.poll(1, TimeUnit.SECONDS);
      if (a != null && a.startsWith(answerPrefix)) {
        return a;
      }
    }
    throw new IllegalStateException("server did not answer '" + command + "' in 60 s");
  }

  @Override
  public void close() throws InterruptedException {
    control.close(); // the server exits when its stdin closes
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
