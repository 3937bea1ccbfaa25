package dev.concord.gateway.ws;

import com.google.protobuf.ByteString;
import dev.concord.gateway.config.GatewayProperties;
import dev.concord.gateway.link.SessionLinkClient;
import dev.concord.gateway.link.SessionLinks;
import dev.concord.proto.session.v1.Acked;
import dev.concord.proto.session.v1.ClientFrame;
import dev.concord.proto.session.v1.Disconnected;
import dev.concord.proto.session.v1.Identify;
import dev.concord.proto.session.v1.Resume;
import dev.concord.proto.session.v1.Upstream;
import dev.concord.protocol.CloseCode;
import dev.concord.protocol.DispatchFrame;
import dev.concord.protocol.InvalidTokenException;
import dev.concord.protocol.Opcode;
import dev.concord.gateway.auth.AccountTokens;
import dev.concord.protocol.TokenVerifier;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Gateway v10 state machine of one client socket: HELLO, heartbeats, IDENTIFY with its token
 * check, rate limits and close codes; then the bridge to the session over its session link.
 *
 * <p>Write path: every outbound frame (HELLO, ACK, READY, dispatches) is written on the socket's
 * Netty channel from its event loop, unflushed; one flush per connection per event-loop pass
 * coalesces all frames queued meanwhile. Frames are never written through WebFlux's
 * {@code session.send}, so their order is the order of the writes.
 *
 * <p>Bounds: a client frame is at most {@code maxFrameBytes}; at most {@code rateLimitFrames}
 * per window; when the socket holds more than {@code writeBufferBytes} not yet sent (a client
 * that does not read), the connection is closed with a resumable code instead of growing memory.
 *
 * <p>Concurrency: confined to the channel's event loop. {@link #deliver} and {@link #closeWith}
 * may be called from any thread and hop onto the loop.
 */
public final class ClientConnection {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
  private static final JsonMapper JSON = dev.concord.protocol.ClientJson.mapper(); // bounded depth and number length
  private static final byte[] HEARTBEAT_ACK = DispatchFrame.control(Opcode.HEARTBEAT_ACK, "null");
  private static final byte[] RECONNECT = DispatchFrame.control(Opcode.RECONNECT, "null");

  enum State {
    AWAITING_IDENTIFY,
    /** IDENTIFY or RESUME received; an account token's version is being checked. */
    CHECKING_TOKEN,
    /** RESUME sent to the session; the session answers with replayed frames or op 9. */
    RESUMING,
    IDENTIFIED,
    CLOSED
  }

  private final long id;
  private final Channel channel;
  private final EventLoop loop;
  private final GatewayProperties props;
  private final AccountTokens tokens;
  private final SessionStartLimit startLimit;
  private final SessionLinks links;
  private final ConnectionWriter writer;
  private State state = State.AWAITING_IDENTIFY;
  /** IDENTIFY sent to the session, its first answer not seen yet (READY, or op 9 to identify again). */
  private boolean identifying;
  private @Nullable SessionLinkClient link;
  private final ClientPulse pulse;
  private @Nullable ScheduledFuture<?> heartbeatCheck;
  private @Nullable ScheduledFuture<?> identifyTimeout;
  /** Whose token this socket identified (or resumed) with, and its version (for revocation). */
  private volatile long userId;
  private volatile int tokenVersion = TokenVerifier.UNVERSIONED;

  ClientConnection(
      long id,
      Channel channel,
      GatewayProperties props,
      AccountTokens tokens,
      SessionStartLimit startLimit,
      SessionLinks links,
      WriteBudget budget,
      @Nullable StreamCompressor compressor) {
    this.startLimit = startLimit;
    this.id = id;
    this.channel = channel;
    this.loop = channel.eventLoop();
    this.props = props;
    this.tokens = tokens;
    this.links = links;
    this.pulse = new ClientPulse(props.rateLimitWindow().toNanos(), props.rateLimitFrames(), System.nanoTime());
    this.writer =
        new ConnectionWriter(
            channel,
            compressor,
            props.writeBufferBytes(),
            props.writeBufferGrace(),
            budget,
            () -> {
              log.info("connection {} is not reading; closing it (resumable)", id);
              closeNow(CloseCode.UNKNOWN_ERROR.code(), "too slow");
            });
  }

  public long id() {
    return id;
  }

  /** Sends HELLO and starts the heartbeat watch. */
  void start() {
    onLoop(
        () -> {
          long interval = props.heartbeatInterval().toMillis();
          write(
              DispatchFrame.control(
                  Opcode.HELLO,
                  "{\"heartbeat_interval\":" + interval + ",\"_trace\":[\"concord-" + props.podId() + "\"]}"));
          OversizeFrames.install(channel, props.maxFrameBytes()); // 4002, not the WebSocket layer's 1009
          armIdentifyTimeout("HELLO");
          long limitNanos = props.heartbeatInterval().plus(props.heartbeatGrace()).toNanos();
          long period = Math.max(50, interval / 4);
          heartbeatCheck =
              loop.scheduleAtFixedRate(
                  () -> {
                    if (state != State.CLOSED && pulse.silentFor(limitNanos, System.nanoTime())) {
                      closeNow(CloseCode.UNKNOWN_ERROR.code(), "heartbeat timeout");
                    }
                  },
                  period,
                  period,
                  TimeUnit.MILLISECONDS);
        });
  }

  /** A client frame, on the event loop. {@code bytes} is the frame payload, not retained. */
  void onFrame(byte[] bytes) {
    if (state == State.CLOSED) {
      return;
    }
    if (bytes.length > props.maxFrameBytes()) {
      closeNow(CloseCode.DECODE_ERROR.code(), "frame too large (max " + props.maxFrameBytes() + " bytes)");
      return;
    }
    long now = System.nanoTime();
    if (!pulse.allowFrame(now)) {
      closeNow(CloseCode.RATE_LIMITED.code(), "rate limited");
      return;
    }
    JsonNode frame;
    int op;
    try {
      frame = JSON.readTree(bytes);
      JsonNode opNode = frame == null ? null : frame.get("op");
      if (opNode == null || !opNode.isIntegralNumber()) {
        closeNow(CloseCode.DECODE_ERROR.code(), "expected an object with an integer op");
        return;
      }
      op = opNode.asInt();
    } catch (JacksonException e) {
      closeNow(CloseCode.DECODE_ERROR.code(), "invalid JSON");
      return;
    }
    if (!Opcode.isClientOpcode(op)) {
      closeNow(CloseCode.UNKNOWN_OPCODE.code(), "unknown opcode " + op);
      return;
    }
    JsonNode d = frame.get("d");
    try {
      dispatchOp(op, d, now, bytes);
    } catch (JacksonException e) {
      // a number past its type's range (found by GatewayFrameFuzzTest: it used to escape and
      // leave the socket open until the heartbeat timeout)
      closeNow(CloseCode.DECODE_ERROR.code(), "a field is out of range");
    }
  }

  /**
   * A socket that does not identify within the timeout of {@code since} (HELLO, or an op 9 that
   * sent it back to identifying) is closed 4003. One check; it finds the state moved on otherwise.
   */
  private void armIdentifyTimeout(String since) {
    disarmIdentifyTimeout();
    identifyTimeout =
        loop.schedule(
            () -> {
              if (state == State.AWAITING_IDENTIFY) {
                closeNow(
                    CloseCode.NOT_AUTHENTICATED.code(),
                    "no IDENTIFY or RESUME within " + props.identifyTimeout().toSeconds() + " s of " + since);
              }
            },
            props.identifyTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** Cancels the identify check (off the loop's queue at once) and drops the reference to it. */
  private void disarmIdentifyTimeout() {
    if (identifyTimeout != null) {
      identifyTimeout.cancel(false);
      identifyTimeout = null;
    }
  }

  private void dispatchOp(int op, @Nullable JsonNode d, long now, byte[] bytes) {
    switch (op) {
      case Opcode.HEARTBEAT -> {
        SessionLinkClient l = link;
        // only a seq of the session's own stream: READY seen (not identifying), not resuming
        long acked = pulse.onHeartbeat(d, now, state == State.IDENTIFIED && !identifying && l != null);
        write(HEARTBEAT_ACK);
        if (acked > 0 && l != null) {
          l.send(Upstream.newBuilder().setConnectionId(id).setAcked(Acked.newBuilder().setSeq(acked)).build());
        }
      }
      case Opcode.IDENTIFY -> {
        if (state != State.AWAITING_IDENTIFY) {
          closeNow(CloseCode.ALREADY_AUTHENTICATED.code(), "already authenticated");
          return;
        }
        identify(d);
      }
      case Opcode.RESUME -> {
        if (state != State.AWAITING_IDENTIFY) {
          closeNow(CloseCode.ALREADY_AUTHENTICATED.code(), "already authenticated");
          return;
        }
        resume(d);
      }
      default -> {
        if (state != State.IDENTIFIED) {
          closeNow(CloseCode.NOT_AUTHENTICATED.code(), "not authenticated");
          return;
        }
        if (op == Opcode.PRESENCE_UPDATE || op == Opcode.REQUEST_GUILD_MEMBERS || op == Opcode.GUILD_SUBSCRIPTIONS) {
          forward(op, bytes);
        }
        // op 4 (voice state) is accepted and ignored until voice exists.
      }
    }
  }

  private void identify(@Nullable JsonNode d) {
    IdentifyFields.Parsed parsed = IdentifyFields.parse(d, props.publicUrl());
    Identify.Builder b = parsed.identify();
    if (d == null || b == null) {
      closeNow(parsed.closeCode(), parsed.reason());
      return;
    }
    TokenVerifier.Verified token = authenticate(d.get("token").asString());
    if (token != null) {
      whenCurrent(token, () -> sendIdentify(token.userId(), b));
    }
  }

  private void sendIdentify(long userId, Identify.Builder b) {
    if (!startLimit.tryIdentify(userId)) {
      closeNow(CloseCode.AUTHENTICATION_FAILED.code(), "session start limit reached (see GET /gateway/bot)");
      return;
    }
    SessionLinkClient l = links.linkFor(userId);
    if (l == null) {
      closeNow(CloseCode.UNKNOWN_ERROR.code(), "no session service available; retry");
      return;
    }
    state = State.IDENTIFIED;
    identifying = true;
    link = l;
    l.register(this);
    l.send(Upstream.newBuilder().setConnectionId(id).setIdentify(b.setUserId(userId)).build());
  }

  private void resume(@Nullable JsonNode d) {
    if (d == null || !d.isObject() || !d.path("token").isString() || !d.path("session_id").isString()) {
      closeNow(CloseCode.DECODE_ERROR.code(), "resume needs d.token, d.session_id and d.seq");
      return;
    }
    TokenVerifier.Verified token = authenticate(d.get("token").asString());
    if (token != null) {
      String sessionId = d.get("session_id").asString();
      long seq = Math.max(0, d.path("seq").asLong(0));
      whenCurrent(token, () -> sendResume(token.userId(), sessionId, seq));
    }
  }

  private void sendResume(long userId, String sessionId, long seq) {
    SessionLinkClient l = links.linkForSession(sessionId, userId);
    if (l == null) {
      closeNow(CloseCode.UNKNOWN_ERROR.code(), "no session service available; retry");
      return;
    }
    // The session answers INVALID_SESSION or replays; see deliver().
    state = State.RESUMING;
    link = l;
    l.register(this);
    l.send(
        Upstream.newBuilder()
            .setConnectionId(id)
            .setResume(Resume.newBuilder().setUserId(userId).setSessionId(sessionId).setSeq(seq))
            .build());
  }

  /**
   * Runs {@code then} on the loop once the token is known current: at once for a bot token; after
   * the version check for an account token (4004 if it was revoked; 4000 if the check cannot be
   * made now, which a client retries).
   */
  private void whenCurrent(TokenVerifier.Verified token, Runnable then) {
    userId = token.userId();
    tokenVersion = token.version();
    if (!token.versioned()) {
      then.run();
      return;
    }
    state = State.CHECKING_TOKEN;
    tokens
        .current(token)
        .whenComplete(
            (current, error) ->
                onLoop(
                    () -> {
                      if (state != State.CHECKING_TOKEN) {
                        return; // closed meanwhile
                      }
                      state = State.AWAITING_IDENTIFY;
                      if (error != null) {
                        closeNow(CloseCode.UNKNOWN_ERROR.code(), "cannot check the token now; retry");
                      } else if (!current) {
                        closeNow(CloseCode.AUTHENTICATION_FAILED.code(), "authentication failed");
                      } else {
                        then.run();
                      }
                    }));
  }

  /** Bytes written to the socket and not yet sent (introspection; any thread). */
  long pendingWriteBytes() {
    io.netty.channel.ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  /** The user this socket identified as (0 before). Any thread. */
  long userId() {
    return userId;
  }

  /**
   * The user's tokens below {@code version} were revoked: closes this socket with 4004 if it
   * identified with one. Any thread; answers whether it will close.
   */
  boolean revoke(int version) {
    int v = tokenVersion;
    if (v == TokenVerifier.UNVERSIONED || v >= version) {
      return false;
    }
    onLoop(
        () -> {
          if (state != State.CLOSED) {
            closeNow(CloseCode.AUTHENTICATION_FAILED.code(), "token revoked");
          }
        });
    return true;
  }

  /** The token's user and version, or null after closing with 4004. */
  private TokenVerifier.@Nullable Verified authenticate(String token) {
    try {
      return tokens.verify(token);
    } catch (InvalidTokenException e) {
      closeNow(CloseCode.AUTHENTICATION_FAILED.code(), "authentication failed");
      return null;
    }
  }

  private void forward(int op, byte[] bytes) {
    SessionLinkClient l = link;
    if (l != null) {
      l.send(
          Upstream.newBuilder()
              .setConnectionId(id)
              .setFrame(ClientFrame.newBuilder().setOp(op).setJson(ByteString.copyFrom(bytes)))
              .build());
    }
  }

  /** The socket is gone (client close, network loss, or our close). */
  void onSocketClosed(int clientCloseCode) {
    onLoop(
        () -> {
          boolean wasOpen = state != State.CLOSED;
          state = State.CLOSED;
          if (heartbeatCheck != null) {
            heartbeatCheck.cancel(false);
          }
          writer.close();
          SessionLinkClient l = link;
          if (l != null) {
            l.unregister(this);
            l.send(
                Upstream.newBuilder()
                    .setConnectionId(id)
                    .setDisconnected(Disconnected.newBuilder().setCloseCode(wasOpen ? clientCloseCode : 0))
                    .build());
          }
        });
  }

  /** A frame from the session, from any thread. */
  public void deliver(ByteString frame) {
    onLoop(() -> deliverOnLoop(frame));
  }

  /** As {@link #deliver(ByteString)}, counting the frame as done on {@code pending} once written. */
  public void deliver(ByteString frame, dev.concord.streams.DemandGate pending) {
    onLoop(
        () -> {
          try {
            deliverOnLoop(frame);
          } finally {
            pending.done(1);
          }
        });
  }

  private void deliverOnLoop(ByteString frame) {
    if (state == State.CLOSED) {
      return;
    }
    if (state == State.RESUMING || identifying) {
      settleStart(isInvalidSession(frame));
    }
    write(frame);
  }

  /**
   * The session's first answer to RESUME (replayed frames, or op 9: not resumable) or to IDENTIFY
   * (READY, or op 9: a bot's identify bucket was taken, identify again later).
   */
  private void settleStart(boolean invalid) {
    boolean wasIdentify = identifying;
    identifying = false;
    if (!invalid) {
      state = State.IDENTIFIED;
      disarmIdentifyTimeout(); // its task would stay referenced for the connection's life
      return;
    }
    if (wasIdentify) {
      startLimit.refund(userId); // refused before it started: it costs no session start
    }
    // The client may IDENTIFY on this socket next, possibly for another pod: leave the link.
    state = State.AWAITING_IDENTIFY;
    pulse.resetAcked();
    armIdentifyTimeout("INVALID_SESSION");
    SessionLinkClient l = link;
    if (l != null) {
      l.unregister(this);
      l.send(
          Upstream.newBuilder().setConnectionId(id).setDisconnected(Disconnected.newBuilder().setCloseCode(0)).build());
      link = null;
    }
  }

  private static boolean isInvalidSession(ByteString frame) {
    return frame.size() > 7 && frame.substring(0, 7).toStringUtf8().equals("{\"op\":9");
  }

  /** Op 7: asks the client to reconnect (and resume), e.g. before this gateway drains. */
  public void requestReconnect() {
    onLoop(
        () -> {
          if (state != State.CLOSED) {
            write(RECONNECT);
          }
        });
  }

  public EventLoop eventLoop() {
    return loop;
  }

  /**
   * On this connection's event loop: writes a dispatch {@code prefix(seq, type) + rest}, where
   * {@code rest} (the payload and its closing brace) is shared with other connections (not
   * released here; the caller keeps ownership), pre-encoded when uncompressed (see {@link
   * ConnectionWriter#writeShared}).
   */
  public void writeShared(String type, long seq, ByteBuf rest) {
    if (state == State.CLOSED) {
      return;
    }
    if (state == State.RESUMING || identifying) {
      settleStart(false);
    }
    writer.writeShared(seq, type, rest);
  }

  /** Close on behalf of the session (or the link), from any thread. */
  public void closeWith(int code, String reason) {
    onLoop(() -> closeNow(code, reason));
  }

  private void write(byte[] frame) {
    writer.write(frame);
  }

  private void write(ByteString frame) {
    writer.write(frame);
  }

  private void closeNow(int code, String reason) {
    closeNow(code, reason, false);
  }

  /**
   * The socket's inbound stream failed: a message whose fragments together pass the frame cap
   * (the WebSocket layer's aggregator refuses it) closes with 4002 like any oversized payload;
   * anything else (a broken socket) with 4000. The close lingers: the client may still be sending
   * the rest of the message, and closing under it would reset the socket and lose the close frame.
   */
  void onInboundError(Throwable e) {
    OversizeFrames.Inbound why = OversizeFrames.classify(e);
    boolean tooLarge = why.oversize();
    boolean alreadyClosing = why.decoderClosed();
    onLoop(
        () -> {
          if (alreadyClosing) {
            // its close frame (1009 rewritten to 4002 by OversizeFrames, else its protocol error) is on the way
            markClosed(tooLarge ? CloseCode.DECODE_ERROR.code() : CloseCode.UNKNOWN_ERROR.code());
            return;
          }
          closeNow(
              tooLarge ? CloseCode.DECODE_ERROR.code() : CloseCode.UNKNOWN_ERROR.code(),
              tooLarge ? "frame too large (max " + props.maxFrameBytes() + " bytes)" : "inbound error",
              true);
        });
  }

  /** @param linger close the socket a second after the close frame, reading (and dropping) meanwhile */
  private void closeNow(int code, String reason, boolean linger) {
    if (state == State.CLOSED) {
      return;
    }
    log.debug("closing connection {} with {} ({})", id, code, reason);
    if (channel.isActive()) {
      writer.handAllWaiting(); // what was sent before the close goes before it
      var written = channel.writeAndFlush(new CloseWebSocketFrame(code, truncate(reason)));
      if (linger) {
        written.addListener(f -> loop.schedule(() -> channel.close(), 1, TimeUnit.SECONDS));
      } else {
        written.addListener(ChannelFutureListener.CLOSE);
      }
    }
    markClosed(code);
  }

  /** The connection is closing with {@code code}: no more frames, the session is told, timers stop. */
  private void markClosed(int code) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    disarmIdentifyTimeout(); // releases this connection now, not 20 s later
    SessionLinkClient l = link;
    if (l != null) {
      l.unregister(this);
      l.send(
          Upstream.newBuilder()
              .setConnectionId(id)
              .setDisconnected(Disconnected.newBuilder().setCloseCode(code))
              .build());
      link = null;
    }
    if (heartbeatCheck != null) {
      heartbeatCheck.cancel(false);
    }
  }

  private void onLoop(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
    } else {
      loop.execute(task);
    }
  }

  private static String truncate(String reason) {
    // A close reason is at most 123 bytes of UTF-8.
    byte[] b = reason.getBytes(StandardCharsets.UTF_8);
    return b.length <= 123 ? reason : new String(b, 0, 120, StandardCharsets.UTF_8);
  }
}
