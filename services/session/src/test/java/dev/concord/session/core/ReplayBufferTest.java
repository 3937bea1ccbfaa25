package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
  private static final ByteString P = ByteString.copyFromUtf8("{}");

  @Test
  void ready_isNotKept_aResumeFromItReplaysTheRest() {
    ReplayBuffer b = new ReplayBuffer(100, 1 << 20);
    b.skip(1); // READY
    b.add(2, "GUILD_CREATE", P);
    b.add(3, "MESSAGE_CREATE", P);
    assertThat(b.covers(0)).as("a resume from before READY cannot be served").isFalse();
    assertThat(b.covers(1)).isTrue();
    assertThat(seqsAfter(b, 1)).containsExactly(2L, 3L);
    assertThat(b.bytes()).isEqualTo(2L * P.size());
  }

  @Test
  void dropThrough_acknowledgedGo_aResumeFromTheAckStillReplaysTheRest() {
    ReplayBuffer b = new ReplayBuffer(100, 1 << 20);
    b.skip(1); // READY
    b.add(2, "GUILD_CREATE", P);
    b.add(3, "MESSAGE_CREATE", P);
    b.add(4, "MESSAGE_CREATE", P);
    b.dropThrough(3);
    assertThat(new long[] {b.size(), b.bytes()}).containsExactly(1, P.size());
    assertThat(b.covers(3)).isTrue();
    assertThat(b.covers(2)).as("the client said it has 3: a resume from 2 is not served").isFalse();
    assertThat(seqsAfter(b, 3)).containsExactly(4L);
  }

  @Test
  void dropThrough_everything_emptiesAndStillTakesMore() {
    ReplayBuffer b = new ReplayBuffer(100, 1 << 20);
    for (long seq = 2; seq <= 12; seq++) {
      b.add(seq, "MESSAGE_CREATE", P);
    }
    b.dropThrough(12);
    assertThat(new long[] {b.size(), b.bytes()}).containsExactly(0, 0);
    assertThat(b.covers(12)).isTrue();
    assertThat(b.after(12, 0)).isEmpty();
    for (long seq = 13; seq <= 14; seq++) {
      b.add(seq, "MESSAGE_CREATE", P);
    }
    assertThat(seqsAfter(b, 12)).containsExactly(13L, 14L);
    b.dropThrough(13);
    assertThat(seqsAfter(b, 13)).containsExactly(14L);
  }

  @Test
  void add_beyondCount_oldestEvicted_coversTracksEviction() {
    ReplayBuffer b = new ReplayBuffer(3, 1 << 20);
    for (long seq = 1; seq <= 20; seq++) {
      b.add(seq, "T", P);
    }
    assertThat(b.size()).isEqualTo(3);
    assertThat(seqsAfter(b, 0)).containsExactly(18L, 19L, 20L);
    assertThat(b.covers(17)).isTrue();
    assertThat(b.covers(16)).isFalse();
    assertThat(seqsAfter(b, 19)).containsExactly(20L);
  }

  @Test
  void add_beyondBytes_oldestEvicted_newestKept() {
    ReplayBuffer b = new ReplayBuffer(100, 10);
    ByteString four = ByteString.copyFromUtf8("abcd");
    for (long seq = 1; seq <= 5; seq++) {
      b.add(seq, "T", four);
    }
    assertThat(seqsAfter(b, 0)).containsExactly(4L, 5L);
    ReplayBuffer big = new ReplayBuffer(100, 10);
    big.add(1, "T", ByteString.copyFromUtf8("x".repeat(50)));
    assertThat(big.size()).isEqualTo(1); // a single oversized entry is kept
  }

  @Test
  void growth_keepsOrderAcrossWrapAround() {
    ReplayBuffer b = new ReplayBuffer(1000, 1 << 20);
    ReplayBuffer.Item shared = new ReplayBuffer.Item("MESSAGE_CREATE", P);
    for (long seq = 1; seq <= 777; seq++) {
      b.add(seq, shared);
    }
    assertThat(seqsAfter(b, 770)).containsExactly(771L, 772L, 773L, 774L, 775L, 776L, 777L);
    assertThat(b.after(0, 0)).hasSize(777);
    assertThat(b.covers(0)).isTrue();
    // the oldest 500 acknowledged, then past the array's end (1 000 slots, the count bound): the ring wraps
    b.dropThrough(500);
    for (long seq = 778; seq <= 1300; seq++) {
      b.add(seq, shared);
    }
    assertThat(b.size()).isEqualTo(800);
    assertThat(seqsAfter(b, 1295)).containsExactly(1296L, 1297L, 1298L, 1299L, 1300L);
    assertThat(seqsAfter(b, 0).getFirst()).isEqualTo(501L);
  }

  @Test
  void typingStart_isNotReplayedAfterItsTenSeconds_otherEventsAre() {
    ReplayBuffer b = new ReplayBuffer(100, 1 << 20);
    b.add(1, new ReplayBuffer.Item("MESSAGE_CREATE", ByteString.copyFromUtf8("{}")));
    b.add(2, new ReplayBuffer.Item("TYPING_START", ByteString.copyFromUtf8("{}"), 10_000));
    b.add(3, new ReplayBuffer.Item("MESSAGE_CREATE", ByteString.copyFromUtf8("{}")));
    assertThat(b.after(0, 9_999)).extracting(ReplayBuffer.Entry::seq).containsExactly(1L, 2L, 3L);
    assertThat(b.after(0, 10_000)).extracting(ReplayBuffer.Entry::seq).containsExactly(1L, 3L);
    // the two-argument item dates a TYPING_START from now; other types never expire
    assertThat(new ReplayBuffer.Item("TYPING_START", ByteString.EMPTY).expiresAtMs())
        .isBetween(System.currentTimeMillis() + 9_000, System.currentTimeMillis() + ReplayBuffer.TYPING_LIFETIME_MS);
    assertThat(new ReplayBuffer.Item("MESSAGE_UPDATE", ByteString.EMPTY).expiresAtMs()).isZero();
  }

  @Test
  void add_seqNotFollowingTheNewest_dropsWhatIsHeld_aResumeFromBeforeItIsRefused() {
    ReplayBuffer b = new ReplayBuffer(100, 1 << 20);
    for (long seq = 2; seq <= 4; seq++) {
      b.add(seq, "MESSAGE_CREATE", P);
    }
    b.add(9, "MESSAGE_CREATE", P); // 5..8 were never recorded: nothing before 9 can be replayed
    assertThat(seqsAfter(b, 8)).containsExactly(9L);
    assertThat(b.covers(8)).isTrue();
    assertThat(b.covers(4)).as("5..8 are unknown").isFalse();
    assertThat(new long[] {b.size(), b.bytes()}).containsExactly(1, P.size());
    b.add(10, "MESSAGE_CREATE", P);
    assertThat(seqsAfter(b, 8)).containsExactly(9L, 10L);
  }

  @Test
  void skip_withEntriesHeld_dropsThem_theNextSeqFollowsTheSkippedOne() {
    ReplayBuffer b = new ReplayBuffer(100, 1 << 20);
    b.add(1, "GUILD_CREATE", P);
    b.skip(2);
    b.add(3, "MESSAGE_CREATE", P);
    assertThat(seqsAfter(b, 2)).containsExactly(3L);
    assertThat(b.covers(2)).isTrue();
    assertThat(b.covers(1)).isFalse();
    assertThat(b.bytes()).isEqualTo(P.size());
  }

  @Test
  void add_seqNotFollowingAnEmptiedBuffer_aResumeFromBeforeItIsRefused() {
    ReplayBuffer b = new ReplayBuffer(100, 1 << 20);
    b.add(2, "MESSAGE_CREATE", P);
    b.dropThrough(5); // acknowledged through 5, nothing held
    b.add(8, "MESSAGE_CREATE", P); // 6 and 7 were never recorded
    assertThat(b.covers(5)).isFalse();
    assertThat(b.covers(7)).isTrue();
    assertThat(seqsAfter(b, 7)).containsExactly(8L);
  }

  @Test
  void countBound_afterWrapAroundAndDrops_seqsStayConsecutive() {
    ReplayBuffer b = new ReplayBuffer(4, 1 << 20);
    for (long seq = 1; seq <= 40; seq++) {
      b.add(seq, "T", P);
      if (seq % 7 == 0) {
        b.dropThrough(seq - 3);
      }
    }
    assertThat(seqsAfter(b, 0)).containsExactly(37L, 38L, 39L, 40L);
    assertThat(b.covers(36)).isTrue();
    assertThat(b.covers(35)).isFalse();
  }

  @Test
  void bytesBound_afterWrapAround_keepsTheNewestConsecutive() {
    ReplayBuffer b = new ReplayBuffer(100, 3L * P.size()); // three entries' bytes
    for (long seq = 1; seq <= 30; seq++) {
      b.add(seq, "T", P);
    }
    assertThat(seqsAfter(b, 0)).containsExactly(28L, 29L, 30L);
    assertThat(b.bytes()).isEqualTo(3L * P.size());
    assertThat(b.covers(27)).isTrue();
    assertThat(b.covers(26)).isFalse();
  }

  /** The seqs a resume from {@code seq} replays now (nothing expired). */
  private static java.util.List<Long> seqsAfter(ReplayBuffer b, long seq) {
    return b.after(seq, 0).stream().map(ReplayBuffer.Entry::seq).toList();
  }
}
