package dev.concord.devsuite;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The service a log line comes from when the five services share one JVM ({@code make run}, the
 * integration tests): Spring Boot's {@code applicationName} is one value per JVM (the first
 * service's, so every line said {@code concord-registry}). Concord's own loggers name their
 * service in their package ({@code dev.concord.guild...}); other lines are attributed by the
 * thread's name when a service names its threads ({@code guild-loop-1}, {@code gw-link-send-3},
 * ...) or by the thread's MDC ({@link #MDC_KEY}: the startup of each service), else shown as
 * {@code concord} (shared: Netty, gRPC, Spring).
 */
public final class ServiceNameConverter extends ClassicConverter {
  private static final String[] SERVICES = {"registry", "guild", "session", "presence", "gateway"};
  /** MDC key a thread sets while it works for one service (LocalSuite, while starting each). */
  public static final String MDC_KEY = "concord.service";

  @Override
  public String convert(ILoggingEvent event) {
    String service = event.getMDCPropertyMap().get(MDC_KEY);
    return service != null ? service : serviceOf(event.getLoggerName(), event.getThreadName());
  }

  static String serviceOf(String logger, String thread) {
    if (logger.startsWith("dev.concord.")) {
      int start = "dev.concord.".length();
      int end = logger.indexOf('.', start);
      String part = end < 0 ? logger.substring(start) : logger.substring(start, end);
      for (String s : SERVICES) {
        if (s.equals(part)) {
          return "concord-" + s;
        }
      }
    }
    if (thread.startsWith("gw-")) {
      return "concord-gateway";
    }
    for (String s : SERVICES) {
      if (thread.startsWith(s + "-")) {
        return "concord-" + s;
      }
    }
    return "concord";
  }
}
