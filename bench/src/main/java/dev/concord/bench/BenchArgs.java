package dev.concord.bench;

/** What every benchmark's main needs: {@code --name value} arguments and percentiles of samples. */
public final class BenchArgs {
  private BenchArgs() {}

  /** The integer after {@code name} in {@code args}, or {@code dflt}. */
  public static int intArg(String[] args, String name, int dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return dflt;
  }

  /** The text after {@code name} in {@code args}, or {@code dflt}. */
  public static String stringArg(String[] args, String name, String dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return dflt;
  }

  /** The {@code p}-th percentile (nearest rank) of {@code sorted} (0 if empty). */
  public static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }
}
