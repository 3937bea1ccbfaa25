package dev.concord.bench.load;

import dev.concord.devsuite.LocalSuite;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The server JVMs of one target: one for {@code baseline} and {@code concord} (the five services
 * in one JVM, as {@code make run} starts them), five for {@code split} (a JVM per service, as
 * pods are: started in the suite's order on ports picked here, each with the same JVM flags).
 * CPU, resident memory, GC and error lines are the sums over its processes.
 */
final class ServerGroup implements AutoCloseable {
  static final String SPLIT = "split";

  private final List<ServerProcess> processes = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  /** Heap in use after the last {@link #gc}, per JVM. */
  private final long[] heapUsed = new long[LocalSuite.SERVICES.size()];

  private ServerGroup() {}

  /** Starts {@code target}'s JVMs; their logs are {@code <logPrefix>.log}, or {@code <logPrefix>-<service>.log} for split. */
  static ServerGroup start(String target, List<String> jvmFlags, List<String> serverArgs, Path logPrefix) throws IOException, InterruptedException {
    ServerGroup g = new ServerGroup();
    try {
      if (target.equals(SPLIT)) {
        String ports = LocalSuite.Ports.free().toArg();
        for (String service : LocalSuite.SERVICES) {
          List<String> args = new ArrayList<>(List.of("--service", service, "--ports", ports));
          args.addAll(serverArgs);
          g.processes.add(ServerProcess.start("concord", jvmFlags, args, Path.of(logPrefix + "-" + service + ".log")));
          g.names.add(service);
        }
      } else {
        g.processes.add(ServerProcess.start(target, jvmFlags, serverArgs, Path.of(logPrefix + ".log")));
        g.names.add(target);
      }
      return g;
    } catch (IOException | InterruptedException | RuntimeException e) {
      g.close();
      throw e;
    }
  }

  /** The addresses the last JVM (the gateway's, or the only one) announced: gateway, http, grpc. */
  Map<String, String> addresses() {
    return processes.getLast().addresses;
  }

  /** A full GC in each JVM; returns the heap in use after them, summed (bytes). */
  long gc() throws InterruptedException {
    long sum = 0;
    for (int i = 0; i < processes.size(); i++) {
      heapUsed[i] = processes.get(i).gc();
      sum += heapUsed[i];
    }
    return sum;
  }

  /** CPU of the JIT compiler threads alive in the JVMs now (see {@link ServerProcess#compilerCpu}). */
  Duration compilerCpu() {
    return processes.stream().map(ServerProcess::compilerCpu).reduce(Duration.ZERO, Duration::plus);
  }

  /** Each JVM's live objects by class, into {@code <prefix>-<name>.txt}. */
  void histograms(Path prefix) throws InterruptedException {
    for (int i = 0; i < processes.size(); i++) {
      processes.get(i).histogram(Path.of(prefix + "-" + names.get(i) + ".txt"));
    }
  }

  long rssBytes() {
    return processes.stream().mapToLong(ServerProcess::rssBytes).sum();
  }

  /** Write system calls of all the JVMs so far (-1 if one cannot be read). */
  long writeSyscalls() {
    long sum = 0;
    for (ServerProcess p : processes) {
      long w = p.writeSyscalls();
      if (w < 0) {
        return -1;
      }
      sum += w;
    }
    return sum;
  }

  Duration cpu() {
    return processes.stream().map(ServerProcess::cpu).reduce(Duration.ZERO, Duration::plus);
  }

  long[] gcStats() throws InterruptedException {
    long[] sum = new long[4];
    for (ServerProcess p : processes) {
      long[] s = p.gcStats();
      for (int i = 0; i < sum.length; i++) {
        // one JVM that does not count (-1) makes the sum unknown
        sum[i] = sum[i] < 0 || s[i] < 0 ? -1 : sum[i] + s[i];
      }
    }
    return sum;
  }

  /** Per JVM, by its service (or target) name: {CPU nanoseconds so far, resident bytes now, heap in use after the last GC}. */
  Map<String, long[]> each() {
    Map<String, long[]> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < processes.size(); i++) {
      out.put(names.get(i), new long[] {processes.get(i).cpu().toNanos(), processes.get(i).rssBytes(), heapUsed[i]});
    }
    return out;
  }

  String errors() {
    int n = processes.stream().mapToInt(ServerProcess::errors).sum();
    String first = processes.stream().map(ServerProcess::firstError).filter(e -> !e.isEmpty()).findFirst().orElse("");
    return n == 0 ? "0" : n + " (first: " + first + ")";
  }

  /** Stops the JVMs in reverse start order (the gateway first). */
  @Override
  public void close() throws InterruptedException {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    processes.clear();
  }
}
