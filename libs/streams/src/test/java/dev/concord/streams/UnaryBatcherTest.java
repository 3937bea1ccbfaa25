package dev.concord.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class UnaryBatcherTest {
  /** A peer whose calls the test answers by hand. */
  private static final class Peer {
    final List<List<Integer>> batches = new ArrayList<>();
    final List<CompletableFuture<List<String>>> answers = new ArrayList<>();

    CompletableFuture<List<String>> call(List<Integer> batch) {
      batches.add(List.copyOf(batch));
      CompletableFuture<List<String>> f = new CompletableFuture<>();
      answers.add(f);
      return f;
    }

    void answer(int call) {
      answers.get(call).complete(batches.get(call).stream().map(i -> "r" + i).toList());
    }
  }

  @Test
  void anIdlePeerGetsEachRequestAtOnceAndABusyOneGetsWhatWaitedInOneCall() {
    Peer peer = new Peer();
    UnaryBatcher<Integer, String> b = new UnaryBatcher<>(peer::call, 1, 100, 1 << 20, i -> 4, 1000);

    CompletableFuture<String> first = b.submit(0);
    assertThat(peer.batches).containsExactly(List.of(0));
    List<CompletableFuture<String>> waiting = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      waiting.add(b.submit(i));
    }
    assertThat(peer.batches).hasSize(1); // one call in flight: the rest wait
    assertThat(b.queued()).isEqualTo(10);

    peer.answer(0);
    assertThat(first.join()).isEqualTo("r0");
    assertThat(peer.batches).hasSize(2);
    assertThat(peer.batches.get(1)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    peer.answer(1);
    for (int i = 1; i <= 10; i++) {
      assertThat(waiting.get(i - 1).join()).isEqualTo("r" + i);
    }
    assertThat(b.calls()).isEqualTo(2);
    assertThat(b.requests()).isEqualTo(11);
  }

  @Test
  void batchesAreBoundedByCountAndBytesAndTheQueueByCapacity() {
    Peer peer = new Peer();
    UnaryBatcher<Integer, String> b = new UnaryBatcher<>(peer::call, 1, 4, 10, i -> i, 7);
    b.submit(100); // alone it may exceed the byte bound
    for (int i = 1; i <= 7; i++) {
      b.submit(i == 7 ? 9 : 1);
    }
    CompletableFuture<String> refused = b.submit(1);
    assertThatThrownBy(refused::join).cause().isInstanceOf(StatusRuntimeException.class).hasMessageContaining("RESOURCE_EXHAUSTED");

    peer.answer(0);
    assertThat(peer.batches.get(1)).containsExactly(1, 1, 1, 1); // the count bound
    peer.answer(1);
    assertThat(peer.batches.get(2)).containsExactly(1, 1); // 1 + 1 + 9 > 10: the byte bound
    peer.answer(2);
    assertThat(peer.batches.get(3)).containsExactly(9);
    assertThat(peer.batches.get(0)).containsExactly(100);
  }

  @Test
  void aFailedCallFailsItsBatchAndTheNextBatchStillGoes() {
    Peer peer = new Peer();
    UnaryBatcher<Integer, String> b = new UnaryBatcher<>(peer::call, 1, 100, 1 << 20, i -> 4, 1000);
    CompletableFuture<String> a = b.submit(1);
    CompletableFuture<String> c = b.submit(2);
    peer.answers.get(0).completeExceptionally(Status.UNAVAILABLE.asRuntimeException());
    assertThatThrownBy(a::join).isInstanceOf(CompletionException.class).hasMessageContaining("UNAVAILABLE");
    assertThat(peer.batches.get(1)).containsExactly(2);

    peer.answers.get(1).complete(List.of("x", "y")); // two results for one request
    assertThatThrownBy(c::join).hasMessageContaining("INTERNAL").hasMessageContaining("2 results for 1 requests");
  }

  @Test
  void aCallThatThrowsFailsItsBatchAndFreesItsSlot() {
    int[] calls = {0};
    UnaryBatcher<Integer, String> b =
        new UnaryBatcher<>(
            batch -> {
              if (calls[0]++ == 0) {
                throw new IllegalStateException("channel shut down");
              }
              return CompletableFuture.completedFuture(batch.stream().map(i -> "ok" + i).toList());
            },
            1, 100, 1 << 20, i -> 4, 1000);
    assertThatThrownBy(b.submit(1)::join).hasMessageContaining("channel shut down");
    assertThat(b.submit(2).join()).isEqualTo("ok2");
  }
}
