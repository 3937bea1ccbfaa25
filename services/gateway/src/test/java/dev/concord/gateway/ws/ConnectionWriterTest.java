package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The slow-reader bound: more than the write buffer held unsent past the grace closes the
 * connection (seen at a write, or by the recheck a grace later when nothing more is written); a
 * burst that drains within it does not; four times the buffer closes it at once.
 * (Flushes stop in a handler while the test's socket is stuck: the writes stay pending, as on a
 * socket whose peer does not read.)
 */
class ConnectionWriterTest {
  private static final Duration GRACE = Duration.ofSeconds(2);

  /** A socket whose peer reads only when the test says so: flushes stop here while it is stuck. */
  private boolean stuck = true;

  private final EmbeddedChannel channel =
      new EmbeddedChannel(
          new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(io.netty.channel.ChannelHandlerContext ctx) {
              if (!stuck) {
                ctx.flush();
              }
            }
          });
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicInteger tooSlow = new AtomicInteger();
  private final ConnectionWriter writer =
      new ConnectionWriter(channel, null, 1000, GRACE, new WriteBudget(64L << 20), tooSlow::incrementAndGet, now::get);

  @AfterEach
  void close() {
    stuck = false;
    channel.close();
    channel.outboundMessages().forEach(io.netty.util.ReferenceCountUtil::release);
    channel.outboundMessages().clear();
  }

  private void write(int bytes) {
    writer.write(new byte[bytes]);
    channel.runPendingTasks(); // the loop's flush pass
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
    channel.advanceTimeBy(d.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  @Test
  void overTheBufferWithNoWriteAfter_isTooSlowOnceTheGraceHasPassed() {
    channel.freezeTime();
    write(1500); // over the bound, and the last write
    advance(Duration.ofMillis(1500));
    channel.runPendingTasks();
    assertThat(tooSlow).hasValue(0);
    advance(Duration.ofSeconds(1));
    channel.runPendingTasks(); // the recheck, 2.5 s after: still over, and nothing written since
    assertThat(tooSlow).hasValue(1);
  }

  @Test
  void overTheBufferThenDrained_isNotTooSlowAtTheRecheck() {
    channel.freezeTime();
    write(1500);
    stuck = false; // the client reads it all, and nothing more is written
    channel.flush();
    advance(Duration.ofSeconds(3));
    channel.runPendingTasks();
    assertThat(tooSlow).hasValue(0);
  }

  @Test
  void overTheBufferPastTheGrace_isTooSlow() {
    write(1500); // over the bound: the grace starts
    assertThat(tooSlow).hasValue(0);
    advance(Duration.ofSeconds(1));
    write(100);
    assertThat(tooSlow).hasValue(0);
    advance(Duration.ofMillis(1500)); // 2.5 s over the bound, seen 1.5 s ago
    write(100);
    assertThat(tooSlow).hasValue(1);
  }

  @Test
  void fourTimesTheBuffer_isTooSlowAtOnce() {
    write(3000);
    assertThat(tooSlow).hasValue(0);
    write(1100);
    assertThat(tooSlow).hasValue(1);
  }

  @Test
  void aBurstThatDrains_startsNoClock() {
    write(1500);
    stuck = false; // the client reads it all
    channel.flush();
    channel.outboundMessages().forEach(io.netty.util.ReferenceCountUtil::release);
    channel.outboundMessages().clear();
    stuck = true;
    advance(Duration.ofSeconds(3));
    write(500); // under the bound again: the earlier excess is forgotten
    write(600); // over again: a new grace starts now
    advance(Duration.ofSeconds(1));
    write(10);
    assertThat(tooSlow).hasValue(0);
  }
}
