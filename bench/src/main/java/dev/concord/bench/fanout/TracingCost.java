package dev.concord.bench.fanout;

import dev.concord.tracing.FanoutSampling;
import dev.concord.tracing.Tracing;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What tracing costs the fanout path: ONE set-up (a guild pod's relay hub, 4 session pods, 100 000
 * joined sessions, real gRPC over loopback) and bursts of back-to-back publishes with the tracing
 * mode switched between bursts: off, off again (an A/A control: what the order and the box's
 * noise alone make of the same mode), on at 0 % (every publish decided, none sampled), 1 % head
 * sampling, 100 %, and 100 % with a span for every delivered copy (no fanout sampling: the
 * textbook design, the baseline). All but the baseline rotate their order every round, so JIT state and the machine's drift hit them alike, and every
 * burst starts from a collected heap; the median burst of each mode is compared. The baseline runs
 * its bursts after them.
 *
 * <p>Spans go through OpenTelemetry's batch processor (bounded queue, as in the services) to an
 * exporter that counts them: the bench measures the traced path, not an exporter's network.
 */
final class TracingCost {
  private TracingCost() {}

  /** Takes spans and counts them. */
  static final class CountingExporter implements SpanExporter {
    final AtomicLong spans = new AtomicLong();

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAndGet(batch.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  record Mode(String name, Tracing tracing, CountingExporter exporter) {}

  private static Mode mode(String name, double rate, FanoutSampling curve) {
    CountingExporter exporter = new CountingExporter();
    Tracing tracing =
        Tracing.withProcessor("bench-fanout", rate, curve, BatchSpanProcessor.builder(exporter).setMaxQueueSize(8192).build());
    return new Mode(name, tracing, exporter);
  }

  static void run(int sessions, int podCount, byte[] payload, int eventsPerBurst, int rounds) throws Exception {
    Mode[] modes = {
      new Mode("tracing off", Tracing.off(), new CountingExporter()),
      // A/A control: the same mode again, so the table shows what position and noise alone do
      new Mode("tracing off, again (A/A control)", Tracing.off(), new CountingExporter()),
      mode("tracing on, 0 % (decided, none sampled)", 0.0, FanoutSampling.DEFAULT),
      mode("tracing on, 1 % head sampling", 0.01, FanoutSampling.DEFAULT),
      mode("tracing on, 100 % head sampling", 1.0, FanoutSampling.DEFAULT),
      mode("100 %, every copy traced (naive)", 1.0, FanoutSampling.parse("1:1")),
    };
    // the hub's relay.send spans are children of sampled publishes only: whichever tracer it has
    // records them for every mode that samples (counted under the 100 % mode's exporter)
    try (FanoutBenchmark.World world = new FanoutBenchmark.World(false, sessions, podCount, modes[4].tracing())) {
      long seq = 0;
      double[][] rate = new double[modes.length][rounds];
      double[][] cpu = new double[modes.length][rounds];
      for (Mode m : modes) { // warm-up: every path once
        switchTo(world, m);
        seq = FanoutBenchmark.burst(world, seq, Math.max(5, eventsPerBurst / 5), payload, false, m.tracing()).lastSeq();
      }
      // the three real modes rotate; the naive baseline runs last, on its own (its millions of
      // dropped spans would otherwise be garbage the next mode's burst collects)
      int sampled = modes.length - 1;
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < modes.length; k++) {
          int m = k == sampled ? -1 : (k + round) % sampled;
          if (m < 0) {
            continue;
          }
          seq = measure(world, modes[m], seq, eventsPerBurst, payload, rate[m], cpu[m], round);
        }
      }
      for (int round = 0; round < rounds; round++) {
        seq = measure(world, modes[sampled], seq, eventsPerBurst, payload, rate[sampled], cpu[sampled], round);
      }
      for (Mode m : modes) {
        m.tracing().flush(java.time.Duration.ofSeconds(10));
      }
      System.out.printf(
          "%nTracing cost: %d rounds of %d events back to back to %,d sessions over %d session pods (one set-up,"
              + " modes alternating burst by burst), %d cores%n",
          rounds, eventsPerBurst, world.recipients, podCount, Runtime.getRuntime().availableProcessors());
      System.out.printf(
          "%-40s %16s %9s %16s %9s %14s %16s%n",
          "mode", "median deliv/s", "vs off", "min..max deliv/s", "", "CPU ns/copy", "spans exported");
      double off = median(rate[0]);
      for (int m = 0; m < modes.length; m++) {
        double[] r = rate[m].clone();
        Arrays.sort(r);
        System.out.printf(
            "%-40s %,16.0f %8.1f%% %,9.0f..%,-9.0f %14.1f %16d%n",
            modes[m].name(),
            median(rate[m]),
            100 * (median(rate[m]) / off - 1),
            r[0],
            r[r.length - 1],
            median(cpu[m]),
            modes[m].exporter().spans.get());
      }
      System.out.println("(relay.send spans of every sampling mode are counted under the 100 % row; the guild pod has one tracer)");
    } finally {
      for (Mode m : modes) {
        m.tracing().close();
      }
    }
  }

  /** One burst in mode {@code m}, from a collected heap (the collection is outside the clock). */
  private static long measure(
      FanoutBenchmark.World world, Mode m, long seq, int events, byte[] payload, double[] rate, double[] cpu, int round)
      throws InterruptedException {
    switchTo(world, m);
    System.gc();
    FanoutBenchmark.Burst b = FanoutBenchmark.burst(world, seq, events, payload, false, m.tracing());
    rate[round] = b.deliveriesPerSecond();
    cpu[round] = b.cpuNanosPerCopy();
    return b.lastSeq();
  }

  /** Every session pod traces (or not) as {@code m} says from the next event on. */
  private static void switchTo(FanoutBenchmark.World world, Mode m) {
    for (FanoutBenchmark.SessionPod pod : world.pods) {
      pod.manager.withTracing(m.tracing());
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
