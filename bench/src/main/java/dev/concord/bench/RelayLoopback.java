package dev.concord.bench;

import dev.concord.proto.guild.v1.GuildRelayGrpc;
import dev.concord.proto.guild.v1.OpenRelayRequest;
import dev.concord.proto.guild.v1.RelayBatch;
import dev.concord.proto.guild.v1.RelayEvent;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** A session pod's relay stream from a guild pod's RelayHub over loopback, as the benchmarks open it. */
public final class RelayLoopback {
  private RelayLoopback() {}

  /**
   * Opens the relay stream of {@code podId}: its events go to {@code sink} in order; {@code
   * attached} counts down when the hub sends its first (empty) batch.
   */
  public static void open(ManagedChannel channel, String podId, Consumer<RelayEvent> sink, CountDownLatch attached) {
    GuildRelayGrpc.newStub(channel)
        .openRelay(
            OpenRelayRequest.newBuilder().setSessionPodId(podId).build(),
            new StreamObserver<RelayBatch>() {
              @Override
              public void onNext(RelayBatch batch) {
                if (batch.getEventsCount() == 0) {
                  attached.countDown();
                }
                for (RelayEvent e : batch.getEventsList()) {
                  sink.accept(e);
                }
              }

              @Override
              public void onError(Throwable t) {
                System.err.println("relay of " + podId + " ended: " + t);
              }

              @Override
              public void onCompleted() {}
            });
  }
}
