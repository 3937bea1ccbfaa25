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
  void compressedSockets_areChargedTheirCompressorsMemory_andRefusedPastTheBudget() {
    long zlib = ConnectionAdmission.ZLIB_BYTES;
    long zstd = ConnectionAdmission.zstdBytes(17);
    assertThat(zstd).isEqualTo(448L << 10); // above what make bench-compress measured at the default window, any level
    ConnectionAdmission a = new ConnectionAdmission(100, 100, 2 * zlib + zstd, 17);
    assertThat(a.admit("1.1.1.1", StreamCompressor.Kind.ZLIB_STREAM)).isNull();
    assertThat(a.admit("1.1.1.1", StreamCompressor.Kind.ZSTD_STREAM)).isNull();
    assertThat(a.admit("1.1.1.1", StreamCompressor.Kind.ZSTD_STREAM)).isEqualTo(ConnectionAdmission.Refusal.COMPRESSION_MEMORY);
    assertThat(a.admit("1.1.1.1", StreamCompressor.Kind.ZLIB_STREAM)).isNull(); // exactly the budget
    assertThat(a.admit("2.2.2.2", StreamCompressor.Kind.ZLIB_STREAM)).isEqualTo(ConnectionAdmission.Refusal.COMPRESSION_MEMORY);
    assertThat(a.admit("2.2.2.2")).isNull(); // uncompressed sockets cost no compressor
    assertThat(a.compressionBytes()).isEqualTo(2 * zlib + zstd);
    assertThat(a.refused(ConnectionAdmission.Refusal.COMPRESSION_MEMORY)).isEqualTo(2);
    assertThat(a.open()).isEqualTo(4);
    a.release("1.1.1.1", StreamCompressor.Kind.ZSTD_STREAM);
    assertThat(a.admit("2.2.2.2", StreamCompressor.Kind.ZSTD_STREAM)).isNull();
  }

  @Test
  void aRefusedSocket_givesItsCompressorMemoryBack() {
    ConnectionAdmission a = new ConnectionAdmission(1, 0, 1L << 30, 17);
    assertThat(a.admit("1.1.1.1", StreamCompressor.Kind.ZSTD_STREAM)).isNull();
    assertThat(a.admit("1.1.1.1", StreamCompressor.Kind.ZSTD_STREAM)).isEqualTo(ConnectionAdmission.Refusal.POD_FULL);
    assertThat(a.compressionBytes()).isEqualTo(ConnectionAdmission.zstdBytes(17));
    a.release("1.1.1.1", StreamCompressor.Kind.ZSTD_STREAM);
    assertThat(a.compressionBytes()).isZero();
    assertThat(a.open()).isZero();
  }

  @Test
  void theCompressionOfAnUpgrade_isReadFromItsUri() {
    assertThat(StreamCompressor.Kind.ofUri("/?v=10&encoding=json&compress=zlib-stream")).isEqualTo(StreamCompressor.Kind.ZLIB_STREAM);
    assertThat(StreamCompressor.Kind.ofUri("/gateway?compress=zstd-stream&v=10")).isEqualTo(StreamCompressor.Kind.ZSTD_STREAM);
    assertThat(StreamCompressor.Kind.ofUri("/?v=10&encoding=json")).isNull();
    assertThat(StreamCompressor.Kind.ofUri("/?compress=lz4")).isNull(); // closed 4002 once open, costs nothing here
    assertThat(StreamCompressor.Kind.ofUri("/?compress=%zz")).isNull();
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
