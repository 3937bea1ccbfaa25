package dev.concord.gateway.rest;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The hottest REST route, {@code POST /api/v10/channels/{channel}/messages} (every message a bot
 * or chat client sends), served straight on the HTTP server, before WebFlux's dispatcher.
 *
 * <p>Why: measured with {@code make bench-rest}, a send through the WebFlux functional routes
 * cost ~590 µs of CPU against ~230 µs for the same create through gRPC; about a third of the
 * gateway's share went to the web framework (exchange and URI building, predicate walk over the
 * route table, filter chain, a dozen reactive operators per request) rather than to HTTP, JSON or
 * the guild call. Here a request is matched by a plain string check and handled with the same
 * parts as every other route: {@link RestApi#authenticate} (401), {@link RestApi#acquire} (the
 * same bucket as the route would have, X-RateLimit-* on every answer, 429 in Discord's shape),
 * the body read bounded by {@link RestIo#MAX_BODY_BYTES} (413), {@link MessageResource#create}
 * (validation and the guild call), {@link RestErrors} (every failure), {@link RestApi#record}
 * (the request timer). Everything else under {@code /api} stays on the WebFlux routes.
 */
final class RestDirectRoutes implements NettyRouteProvider {
  static final String SEND_ROUTE = "POST /api/v10/channels/{channel}/messages";
  private static final String CHANNELS = "/api/v10/channels/";
  private static final String MESSAGES = "/messages";

  private final RestApi api;
  private final MessageResource messages;

  RestDirectRoutes(RestApi api, MessageResource messages) {
    this.api = api;
    this.messages = messages;
  }

  @Override
  public HttpServerRoutes apply(HttpServerRoutes routes) {
    return routes.route(req -> req.method() == HttpMethod.POST && channelSegment(req.uri()) != null, this::send);
  }

  /** The {@code {channel}} of {@code /api/v10/channels/{channel}/messages[?query]}, null for any other path. */
  static @Nullable String channelSegment(String uri) {
    int q = uri.indexOf('?');
    int end = q < 0 ? uri.length() : q;
    int to = end - MESSAGES.length();
    if (to <= CHANNELS.length() || !uri.startsWith(CHANNELS) || !uri.startsWith(MESSAGES, to)) {
      return null;
    }
    for (int i = CHANNELS.length(); i < to; i++) {
      if (uri.charAt(i) == '/') {
        return null;
      }
    }
    return uri.substring(CHANNELS.length(), to);
  }

  private Publisher<Void> send(HttpServerRequest req, HttpServerResponse res) {
    long start = System.nanoTime();
    try {
      String segment = channelSegment(req.uri());
      return api.authenticate(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION))
          .flatMap(
              me -> {
                RestRateLimiter.Decision d = api.acquire(me, SEND_ROUTE, segment);
                if (!d.allowed()) {
                  RestApi.limitedHeaders(d, res::header);
                  return answer(res, 429, Unpooled.wrappedBuffer(RestApi.limitedBody(d)), start);
                }
                RestApi.rateHeaders(d, res::header);
                long channel = RestIo.snowflake("channel_id", segment);
                return body(req)
                    .flatMap(bytes -> messages.create(me, channel, RestIo.parseObject(bytes)))
                    .flatMap(m -> answer(res, 200, wrap(m.getJson()), start));
              })
          .onErrorResume(e -> error(res, e, start));
    } catch (RuntimeException e) {
      return error(res, e, start);
    }
  }

  private Mono<Void> error(HttpServerResponse res, Throwable t, long start) {
    RestException e = RestErrors.toRest(t);
    return answer(res, e.status.value(), Unpooled.wrappedBuffer(RestErrors.body(e)), start);
  }

  private Mono<Void> answer(HttpServerResponse res, int status, ByteBuf body, long start) {
    api.record(status, start);
    // one Mono of one buffer: the server sets Content-Length and writes a single full response
    return res.status(status).header(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON).send(Mono.just(body)).then();
  }

  private static ByteBuf wrap(ByteString json) {
    return Unpooled.wrappedBuffer(json.asReadOnlyByteBuffer());
  }

  /** The request body, at most {@link RestIo#MAX_BODY_BYTES} (413 as soon as it is known to be more). */
  static Mono<byte[]> body(HttpServerRequest req) {
    int declared = req.requestHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
    if (declared > RestIo.MAX_BODY_BYTES) {
      return Mono.error(RestException.tooLarge());
    }
    return req.receive().collect(() -> new BoundedBody(declared, RestIo.MAX_BODY_BYTES), BoundedBody::append).map(BoundedBody::bytes);
  }

  /** Body bytes gathered from the request's buffers, refused past a bound. */
  static final class BoundedBody {
    private final int max;
    private byte[] bytes;
    private int size;

    BoundedBody(int expected, int max) {
      this.max = max;
      this.bytes = new byte[Math.clamp(expected, 0, max)];
    }

    void append(ByteBuf buf) {
      int n = buf.readableBytes();
      if (n > max - size) {
        throw RestException.tooLarge();
      }
      if (size + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.min(max, Math.max(bytes.length * 2, size + n)));
      }
      buf.getBytes(buf.readerIndex(), bytes, size, n);
      size += n;
    }

    byte[] bytes() {
      return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }
  }
}
