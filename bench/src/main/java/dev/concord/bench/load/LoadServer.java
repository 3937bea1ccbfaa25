package dev.concord.bench.load;

import dev.concord.bench.BenchArgs;
import dev.concord.devsuite.LocalSuite;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The server side of {@code make bench-load}, in its own JVM so that its CPU and memory can be
 * read from {@code /proc}: either the suite ({@code --target concord}: the five services in one
 * process as {@code make run} starts them, REST rate limits lifted; with {@code --service S
 * --ports P} only service S of a suite on ports P, whose other services run in other such JVMs) or
 * the bare-Netty baseline ({@code --target baseline}). It prints one {@code LOAD-SERVER ready ...} line with its
 * addresses, then obeys its stdin: {@code gc} (a full collection, answered {@code gc-done used=<heap bytes in use after it>}) and
 * {@code gcstats} (collections and their time so far, the JIT compilers' time, and the heap bytes allocated) and {@code histogram <file>} (live objects
 * by class into the file, and native memory by category beside it when tracked; answered {@code
 * histogram-done}). It exits when stdin closes, so it never
 * outlives the load generator.
 */
public final class LoadServer {
  static final String PREFIX = "LOAD-SERVER ";

  private LoadServer() {}

  public static void main(String[] args) throws Exception {
    String target = BenchArgs.stringArg(args, "--target", "concord");
    String secret = BenchArgs.stringArg(args, "--secret", "bench-secret-0123456789abcdef0123456789");
    AutoCloseable server;
    if (target.equals("baseline")) {
      BareNettyBroadcaster b = new BareNettyBroadcaster("127.0.0.1", 0);
      server = b;
      say("ready gateway=ws://127.0.0.1:" + b.port() + "/ http=http://127.0.0.1:" + b.port() + " grpc=-");
    } else {
      String service = BenchArgs.stringArg(args, "--service", "");
      String ports = BenchArgs.stringArg(args, "--ports", "");
      LocalSuite.Ports p = ports.isEmpty() ? LocalSuite.Ports.free() : LocalSuite.Ports.parse(ports);
      LocalSuite.Options options =
          LocalSuite.Options.defaults(secret)
              .withExtra(List.of("--concord.gateway.rest-route-limit=100000000", "--concord.gateway.rest-global-limit=100000000"))
              // tens of thousands of sockets from a few loopback addresses, on purpose
              .withExtra(List.of("--concord.gateway.max-connections=0", "--concord.gateway.max-connections-per-address=0"))
              .withExtra(suiteArgs(args));
      LocalSuite suite = service.isEmpty() ? LocalSuite.start(p, options) : LocalSuite.startOne(service, p, options);
      server = suite;
      say("ready gateway=" + suite.gatewayUrl() + "/?v=10&encoding=json http=" + suite.gatewayUrl().replace("ws://", "http://") + " grpc=" + suite.guildAddress());
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "gc" -> {
          System.gc();
          System.gc();
          say("gc-done used=" + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        case "gcstats" -> {
          long count = 0;
          long millis = 0;
          StringBuilder each = new StringBuilder();
          for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += gc.getCollectionCount();
            millis += gc.getCollectionTime();
            each.append(' ').append(gc.getName().replace(' ', '_')).append('=').append(gc.getCollectionCount()).append('/').append(gc.getCollectionTime());
          }
          long jit = ManagementFactory.getCompilationMXBean() == null ? 0 : ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
          say("gcstats count=" + count + " millis=" + millis + " jit=" + jit + " alloc=" + allocatedBytes() + each);
        }
        default -> {
          if (line.startsWith("histogram ")) {
            java.nio.file.Path file = java.nio.file.Path.of(line.substring("histogram ".length()).trim());
            java.nio.file.Files.writeString(file, classHistogram());
            String nmt = nativeMemory();
            if (!nmt.isEmpty()) {
              java.nio.file.Files.writeString(java.nio.file.Path.of(file.toString().replace(".txt", "") + "-native.txt"), nmt);
            }
            say("histogram-done");
          } else {
            say("unknown " + line);
          }
        }
      }
    }
    server.close();
    System.exit(0);
  }

  /**
   * Heap bytes allocated by all of this JVM's threads since it started (dead threads included),
   * -1 if the JVM does not count them. Unlike CPU time it does not depend on what else runs on the
   * machine, so a change to a path's allocations shows in one run.
   */
  private static long allocatedBytes() {
    return ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemoryEnabled()
        ? t.getTotalThreadAllocatedBytes()
        : -1;
  }

  /** The live objects by class ({@code jcmd GC.class_histogram}; it runs a full GC first). */
  private static String classHistogram() throws Exception {
    return (String)
        ManagementFactory.getPlatformMBeanServer()
            .invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                "gcClassHistogram",
                new Object[] {new String[0]},
                new String[] {String[].class.getName()});
  }

  /**
   * Native memory by category ({@code jcmd VM.native_memory summary}), or "" when the JVM runs
   * without {@code -XX:NativeMemoryTracking=summary}.
   */
  private static String nativeMemory() {
    try {
      String out =
          (String)
              ManagementFactory.getPlatformMBeanServer()
                  .invoke(
                      new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                      "vmNativeMemory",
                      new Object[] {new String[] {"summary"}},
                      new String[] {String[].class.getName()});
      return out.contains("not enabled") ? "" : out;
    } catch (Exception e) {
      return "";
    }
  }

  /** {@code --suite-arg --key=value} (repeatable): a setting for every service of the suite. */
  static List<String> suiteArgs(String[] args) {
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--suite-arg")) {
        out.add(args[i + 1]);
      }
    }
    return out;
  }

  private static void say(String line) {
    System.out.println(PREFIX + line);
    System.out.flush();
  }
}
