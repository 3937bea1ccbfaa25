package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConnectionAdmissionTest {
  @Test
  void perAddressAndPodLimits_refuseAndCount_andReleaseGivesSlotsBack() {
    ConnectionAdmission a = new ConnectionAdmission(3, 2);
    assertThat(a.admit("1.1.1.1")).isNull();
    assertThat(a.admit("1.1.1.1")).isNull();
    assertThat(a.admit("1.1.1.1")).isEqualTo(ConnectionAdmission.Refusal.ADDRESS_FULL);
    assertThat(a.admit("2.2.2.2")).isNull();
    assertThat(a.admit("3.3.3.3")).isEqualTo(ConnectionAdmission.Refusal.POD_FULL);
    assertThat(a.refused(ConnectionAdmission.Refusal.ADDRESS_FULL)).isEqualTo(1);
    assertThat(a.refused(ConnectionAdmission.Refusal.POD_FULL)).isEqualTo(1);
    a.release("1.1.1.1");
    assertThat(a.admit("3.3.3.3")).isNull();
    assertThat(a.open()).isEqualTo(3);
  }

  @Test
  void concurrentAdmitsAndReleases_leaveNothingBehind() throws Exception {
    ConnectionAdmission a = new ConnectionAdmission(1000, 5);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 20_000; i++) {
                    String address = "10.0.0." + ((i + thread) % 7);
                    if (a.admit(address) == null) {
                      a.release(address);
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    // every admitted slot was released: no socket counted, no address left in the map
    assertThat(a.open()).isZero();
    assertThat(a.addresses()).isZero();
  }
}
