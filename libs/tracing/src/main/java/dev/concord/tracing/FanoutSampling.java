package dev.concord.tracing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which delivered copies of a sampled event get a span, by the event's recipient count: Discord's
 * curve by default (every copy of a one-recipient event, ~10 % at 100 recipients, ~0.1 % from
 * 10 000 on), interpolated on a log-log scale between the configured points and flat beyond the
 * last.
 *
 * <p>Copies are picked by stride, not by coin flip: with a stride of {@code k} and a random
 * offset, a worker holding {@code m} of the recipients traces {@code m/k} copies (±1), so 10 000
 * recipients make 10 delivery spans, not "10 give or take 6".
 */
public final class FanoutSampling {
  /** Discord's curve: 100 % at 1 recipient, 10 % at 100, 0.1 % at 10 000 and above. */
  public static final FanoutSampling DEFAULT = parse("1:1,100:0.1,10000:0.001");

  private final double[] logN;
  private final double[] logRate;
  private final String spec;

  private FanoutSampling(double[] n, double[] rate, String spec) {
    this.logN = new double[n.length];
    this.logRate = new double[n.length];
    for (int i = 0; i < n.length; i++) {
      logN[i] = Math.log(n[i]);
      logRate[i] = Math.log(rate[i]);
    }
    this.spec = spec;
  }

  /**
   * Parses {@code "recipients:rate,..."}, e.g. {@code "1:1,100:0.1,10000:0.001"}: recipients
   * strictly increasing from 1, rates in (0, 1].
   */
  public static FanoutSampling parse(String spec) {
    List<double[]> points = new ArrayList<>();
    for (String part : spec.split(",")) {
      String[] kv = part.trim().split(":");
      if (kv.length != 2) {
        throw new IllegalArgumentException("fanout sampling point '" + part + "' is not recipients:rate (in '" + spec + "')");
      }
      double n;
      double rate;
      try {
        n = Double.parseDouble(kv[0].trim());
        rate = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("fanout sampling point '" + part + "' is not numeric (in '" + spec + "')", e);
      }
      if (n < 1 || !(rate > 0 && rate <= 1)) {
        throw new IllegalArgumentException(
            "fanout sampling point '" + part + "' out of range (recipients >= 1, 0 < rate <= 1) in '" + spec + "'");
      }
      if (!points.isEmpty() && n <= points.getLast()[0]) {
        throw new IllegalArgumentException("fanout sampling recipients must increase: '" + spec + "'");
      }
      points.add(new double[] {n, rate});
    }
    if (points.isEmpty()) {
      throw new IllegalArgumentException("fanout sampling curve is empty");
    }
    double[] n = points.stream().mapToDouble(p -> p[0]).toArray();
    double[] r = points.stream().mapToDouble(p -> p[1]).toArray();
    return new FanoutSampling(n, r, spec.trim());
  }

  /** The share of copies traced when an event has {@code recipients} recipients. */
  public double rate(long recipients) {
    if (recipients <= 1) {
      return Math.exp(logRate[0]);
    }
    double x = Math.log(recipients);
    if (x <= logN[0]) {
      return Math.exp(logRate[0]);
    }
    for (int i = 1; i < logN.length; i++) {
      if (x <= logN[i]) {
        double t = (x - logN[i - 1]) / (logN[i] - logN[i - 1]);
        return Math.exp(logRate[i - 1] + t * (logRate[i] - logRate[i - 1]));
      }
    }
    return Math.exp(logRate[logRate.length - 1]);
  }

  /** Every how many copies one is traced: {@code round(1 / rate)}, at least 1. */
  public int stride(long recipients) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(1 / rate(recipients))));
  }

  @Override
  public String toString() {
    return spec + " " + Arrays.toString(new double[] {rate(1), rate(100), rate(10_000)});
  }
}
