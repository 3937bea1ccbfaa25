package dev.concord.bench.compress;

import dev.concord.bench.BenchArgs;
import dev.concord.cluster.Channels;
import dev.concord.devsuite.DemoSeed;
import dev.concord.devsuite.LocalSuite;
import dev.concord.gateway.ws.StreamCompressor;
import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.ChannelRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.EditMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.Message;
import dev.concord.proto.guild.v1.ReactionRequest;
import dev.concord.protocol.Intents;
import dev.concord.protocol.TokenVerifier;
import dev.concord.testkit.GatewayClient;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * zstd-stream vs zlib-stream vs none on a recorded mix of real dispatches.
 *
 * <p>Recording: the five services in this JVM ({@link LocalSuite}), the demo guild, and a scripted
 * hour of a busy channel compressed into seconds: messages of chat-like lengths (some with
 * mentions, some replies), edits, reactions added and removed, typing, presence changes from a
 * second member's socket, members joining. One member's socket (every intent) records every frame
 * the gateway sends it, from HELLO, READY and GUILD_CREATE on.
 *
 * <p>Measured per mode, on that recording, with the gateway's own compressors ({@link
 * StreamCompressor}: one context per connection, a flush per frame): bytes on the wire and the
 * ratio, server CPU per MB of dispatches (this thread's CPU time over repeated passes, a fresh
 * context per pass, as per connection), and the native + heap memory one connection's context
 * holds (RSS growth over live contexts, each mode in a fresh JVM): fresh (1 000 contexts that
 * have each compressed the recording's first 20 frames) and full (300 contexts that have each
 * compressed 1 MiB of the recording, over and over: the window and match tables in use, as on a
 * socket that has been open a while; what the gateway's compression budget charges).
 *
 * <p>Run: {@code make bench-compress} (options: {@code --messages 400 --passes 20}).
 */
public final class CompressionBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration WAIT = Duration.ofSeconds(15);

  private CompressionBenchmark() {}

  record Mode(String name, StreamCompressor.Kind kind, int zstdLevel) {
    StreamCompressor create() {
      return StreamCompressor.create(kind, new StreamCompressor.ZstdSettings(zstdLevel, 17));
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 6 && args[0].equals("--memory-probe")) {
      memoryProbe(args[1], Integer.parseInt(args[2]), Path.of(args[3]), Long.parseLong(args[4]), Integer.parseInt(args[5]));
      return;
    }
    int messages = BenchArgs.intArg(args, "--messages", 400);
    int passes = BenchArgs.intArg(args, "--passes", 20);
    List<byte[]> frames = record(messages);
    long raw = frames.stream().mapToLong(f -> f.length).sum();
    System.out.printf(
        "%nRecorded %d frames, %,d bytes of JSON (READY %,d B, GUILD_CREATE %,d B, the rest %,d B)%n",
        frames.size(), raw, sizeOf(frames, "READY"), sizeOf(frames, "GUILD_CREATE"), raw - sizeOf(frames, "READY") - sizeOf(frames, "GUILD_CREATE"));

    List<Mode> modes =
        List.of(
            new Mode("zlib-stream (deflate level 6)", StreamCompressor.Kind.ZLIB_STREAM, 0),
            new Mode("zstd-stream level 1", StreamCompressor.Kind.ZSTD_STREAM, 1),
            new Mode("zstd-stream level 3", StreamCompressor.Kind.ZSTD_STREAM, 3),
            new Mode("zstd-stream level 6 (default)", StreamCompressor.Kind.ZSTD_STREAM, 6));
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    System.out.printf(
        "%-32s %14s %8s %16s %16s %18s %18s%n", "mode", "bytes sent", "ratio", "after GUILD_CREATE", "CPU ms per MB", "memory/conn fresh",
        "memory/conn full");
    System.out.printf("%-32s %,14d %7.2fx %16s %16s %18s %18s%n", "none", raw, 1.0, "1.00x", "0", "0", "0");
    for (Mode m : modes) {
      // wire size: one context through the whole recording, as one connection
      long sent = 0;
      long sentAfterJoin = 0;
      long rawAfterJoin = 0;
      StreamCompressor c = m.create();
      for (int i = 0; i < frames.size(); i++) {
        int n = c.compress(frames.get(i)).length;
        sent += n;
        if (i >= 3) { // after HELLO, READY, GUILD_CREATE: the steady stream of events
          sentAfterJoin += n;
          rawAfterJoin += frames.get(i).length;
        }
      }
      c.close();
      // CPU: best of `passes` passes (JIT warm after the first few), a fresh context per pass
      long best = Long.MAX_VALUE;
      for (int p = 0; p < passes; p++) {
        long t0 = threads.getCurrentThreadCpuTime();
        StreamCompressor pass = m.create();
        for (byte[] f : frames) {
          pass.compress(f);
        }
        pass.close();
        best = Math.min(best, threads.getCurrentThreadCpuTime() - t0);
      }
      double cpuMsPerMb = best / 1e6 / (raw / 1e6);
      System.out.printf(
          "%-32s %,14d %7.2fx %15.2fx %16.1f %15.0f KB %15.0f KB%n",
          m.name(),
          sent,
          (double) raw / sent,
          (double) rawAfterJoin / sentAfterJoin,
          cpuMsPerMb,
          memoryPerContext(m, frames.subList(0, Math.min(20, frames.size())), 0, 1000) / 1024,
          memoryPerContext(m, frames, 1 << 20, 300) / 1024);
    }
    System.exit(0);
  }

  private static long sizeOf(List<byte[]> frames, String type) {
    long n = 0;
    for (byte[] f : frames) {
      String head = new String(f, 0, Math.min(f.length, 200), java.nio.charset.StandardCharsets.UTF_8);
      if (head.contains("\"t\":\"" + type + "\"")) {
        n += f.length;
      }
    }
    return n;
  }

  /**
   * Memory one connection's context holds: a fresh JVM per mode (a small pre-touched heap, so RSS
   * moves with native memory only, and no allocator reuse from another mode's contexts) opens
   * {@code contexts} contexts that each compress {@code frames} once, and then again in turns until
   * {@code bytesPerContext} (0: once); RSS growth / contexts.
   */
  private static double memoryPerContext(Mode m, List<byte[]> frames, long bytesPerContext, int contexts) throws Exception {
    Path sample = Files.createTempFile("concord-mix", ".bin");
    try (var out = new java.io.DataOutputStream(Files.newOutputStream(sample))) {
      for (byte[] f : frames) {
        out.writeInt(f.length);
        out.write(f);
      }
    }
    try {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xms64m",
                  "-Xmx64m",
                  "-XX:+AlwaysPreTouch",
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  System.getProperty("java.class.path"),
                  CompressionBenchmark.class.getName(),
                  "--memory-probe",
                  m.kind().name(),
                  Integer.toString(m.zstdLevel()),
                  sample.toString(),
                  Long.toString(bytesPerContext),
                  Integer.toString(contexts))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      if (!p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("memory probe failed: " + out);
      }
      return Double.parseDouble(out.substring(out.lastIndexOf('\n') + 1));
    } finally {
      Files.deleteIfExists(sample);
    }
  }

  /** The child of {@link #memoryPerContext}: prints the RSS growth per context in bytes. */
  private static void memoryProbe(String kind, int level, Path sample, long bytesPerContext, int n) throws Exception {
    List<byte[]> frames = new ArrayList<>();
    try (var in = new java.io.DataInputStream(Files.newInputStream(sample))) {
      while (in.available() > 0) {
        frames.add(in.readNBytes(in.readInt()));
      }
    }
    Mode m = new Mode(kind, StreamCompressor.Kind.valueOf(kind), level);
    m.create().close(); // load the native library before the baseline
    long before = rssBytes();
    List<StreamCompressor> live = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StreamCompressor c = m.create();
      long fed = 0;
      int k = 0;
      do {
        byte[] f = frames.get(k++ % frames.size());
        c.compress(f);
        fed += f.length;
      } while (k < frames.size() || fed < bytesPerContext);
      live.add(c);
    }
    long after = rssBytes();
    System.out.println((after - before) / (double) n);
    live.forEach(StreamCompressor::close);
  }

  private static long rssBytes() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /** Drives a scripted busy hour on the in-JVM suite and returns what one member's socket got. */
  static List<byte[]> record(int messages) throws Exception {
    String secret = "compression-bench-secret-0123456789abcdef";
    try (LocalSuite suite = LocalSuite.start(LocalSuite.Ports.free(), LocalSuite.Options.defaults(secret));
        Channels channels = new Channels()) {
      var guildChannel = channels.forAddress(suite.guildAddress());
      DemoSeed.Demo demo = DemoSeed.seed(guildChannel, new TokenVerifier(secret), Duration.ofHours(1), Duration.ofSeconds(30));
      var api = GuildApiGrpc.newBlockingStub(guildChannel);
      long everything =
          Intents.GUILDS
              | Intents.GUILD_MEMBERS
              | Intents.GUILD_PRESENCES
              | Intents.GUILD_MESSAGES
              | Intents.GUILD_MESSAGE_REACTIONS
              | Intents.GUILD_MESSAGE_TYPING
              | Intents.MESSAGE_CONTENT;
      String url = suite.gatewayUrl() + "/?v=10&encoding=json";
      try (GatewayClient alice = GatewayClient.connect(url);
          GatewayClient bob = GatewayClient.connect(url)) {
        alice.next(WAIT);
        alice.identify(demo.users().get(0).token(), everything);
        alice.nextDispatch("GUILD_CREATE", WAIT);
        bob.next(WAIT);
        bob.identify(demo.users().get(1).token(), Intents.GUILDS);
        bob.nextDispatch("GUILD_CREATE", WAIT);
        List<JsonNode> got = new ArrayList<>(); // what alice's socket received, in order
        long guild = demo.guildId();
        long channel = demo.channelId();
        long aliceId = demo.users().get(0).id();
        long bobId = demo.users().get(1).id();
        Random rnd = new Random(42);
        // chat-like text: 1..30 words drawn from a few hundred, so content is not one repeated line
        String[] words =
            ("the a to and of i you it is in that for on this we be have was with not but are so what can just "
                    + "build deploy test fix bug issue log server client reconnect latency spike night morning today "
                    + "tomorrow review merge branch commit release version config cluster pod node guild channel "
                    + "message gateway session presence token error warning timeout retry queue memory cpu disk "
                    + "network packet frame json payload schema field value null true false ok yes no maybe sure "
                    + "thanks please sorry lol gg nice cool great bad weird broken works again still now then later "
                    + "anyone someone everyone here there why how when where who which think know see look try "
                    + "want need make take give find tell ask seems looks feels sounds game play match team win "
                    + "lose score map level boss raid loot drop patch nerf buff meta lunch coffee weekend holiday "
                    + "music song album movie show episode book link image video stream live chat voice call")
                .split(" ");
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
          long author = rnd.nextInt(3) == 0 ? aliceId : bobId;
          StringBuilder text = new StringBuilder();
          int n = 1 + (int) Math.min(29, Math.abs(rnd.nextGaussian() * 8));
          for (int w = 0; w < n; w++) {
            text.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
          }
          String content = text.toString();
          if (rnd.nextInt(8) == 0) {
            content = "<@" + Long.toUnsignedString(author == aliceId ? bobId : aliceId) + "> " + content;
          }
          CreateMessageRequest.Builder b =
              CreateMessageRequest.newBuilder().setGuildId(guild).setChannelId(channel).setAuthorId(author).setContent(content);
          if (!ids.isEmpty() && rnd.nextInt(10) == 0) {
            b.setReferenceMessageId(ids.get(rnd.nextInt(ids.size())));
          }
          if (rnd.nextInt(3) == 0) {
            api.triggerTyping(ChannelRequest.newBuilder().setGuildId(guild).setChannelId(channel).setActorId(author).build());
          }
          Message m = api.createMessage(b.build());
          ids.add(m.getId());
          if (rnd.nextInt(6) == 0) {
            api.addReaction(
                ReactionRequest.newBuilder().setGuildId(guild).setChannelId(channel).setMessageId(m.getId()).setActorId(bobId)
                    .setEmoji(rnd.nextBoolean() ? "👍" : "😂").build());
          }
          if (rnd.nextInt(15) == 0) {
            api.editMessage(
                EditMessageRequest.newBuilder().setGuildId(guild).setChannelId(channel).setMessageId(m.getId()).setActorId(author)
                    .setContent(content + " (edited)").build());
          }
          if (i % 40 == 20) {
            bob.send(
                "{\"op\":3,\"d\":{\"since\":null,\"activities\":[{\"name\":\"build #" + i + "\",\"type\":0}],\"status\":\""
                    + (rnd.nextBoolean() ? "online" : "idle") + "\",\"afk\":false}}");
          }
          if (i % 50 == 25) {
            var u = api.createUser(CreateUserRequest.newBuilder().setUsername("newcomer" + i).setGlobalName("Newcomer " + i).build());
            api.addMember(AddMemberRequest.newBuilder().setGuildId(guild).setUserId(u.getId()).build());
          }
          got.addAll(alice.drain());
        }
        api.createMessage(
            CreateMessageRequest.newBuilder().setGuildId(guild).setChannelId(channel).setAuthorId(bobId).setContent("end-of-mix").build());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
          JsonNode f = alice.next(WAIT);
          got.add(f);
          if (f.path("t").asString("").equals("MESSAGE_CREATE") && f.path("d").path("content").asString("").equals("end-of-mix")) {
            break;
          }
        }
        List<byte[]> frames = new ArrayList<>(got.size() + 3);
        // the recording starts at the connection: HELLO, READY, GUILD_CREATE were taken above;
        // take them again from a fresh identify so the mix has the real join frames first
        try (GatewayClient carol = GatewayClient.connect(url)) {
          frames.add(JSON.writeValueAsBytes(carol.next(WAIT)));
          carol.identify(demo.users().get(0).token(), everything);
          frames.add(JSON.writeValueAsBytes(carol.nextDispatch("READY", WAIT)));
          frames.add(JSON.writeValueAsBytes(carol.nextDispatch("GUILD_CREATE", WAIT)));
        }
        for (JsonNode f : got) {
          frames.add(JSON.writeValueAsBytes(f));
        }
        return frames;
      }
    }
  }
}
