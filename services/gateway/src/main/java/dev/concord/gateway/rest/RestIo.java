package dev.concord.gateway.rest;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reading and writing REST bodies: JSON objects of at most {@link #MAX_BODY_BYTES} (413 beyond,
 * checked while reading, so a large body is never buffered whole), snowflakes in paths and
 * queries, and the answers (JSON, or 204 with no body and no content type, which discord.js needs).
 */
final class RestIo {
  static final int MAX_BODY_BYTES = 64 * 1024;
  static final JsonMapper JSON = dev.concord.protocol.ClientJson.mapper(); // bounded depth and number length
  /** The request attribute holding the authenticated user id. */
  static final String USER = "concord.user";

  private RestIo() {}

  static long user(ServerRequest req) {
    return (Long) req.attribute(USER).orElseThrow(RestException::unauthorized);
  }

  /** The request's JSON object ({} for an empty body). */
  static Mono<ObjectNode> body(ServerRequest req) {
    return DataBufferUtils.join(req.body(BodyExtractors.toDataBuffers()), MAX_BODY_BYTES)
        .map(
            buf -> {
              try {
                byte[] bytes = new byte[buf.readableByteCount()];
                buf.read(bytes);
                return bytes;
              } finally {
                DataBufferUtils.release(buf);
              }
            })
        .defaultIfEmpty(new byte[0])
        .map(RestIo::parseObject);
  }

  static ObjectNode parseObject(byte[] bytes) {
    if (bytes.length == 0) {
      return JSON.createObjectNode();
    }
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw new RestException(HttpStatus.BAD_REQUEST, 50109, "The request body contains invalid JSON.");
    }
    if (!(n instanceof ObjectNode o)) {
      throw new RestException(HttpStatus.BAD_REQUEST, 50109, "The request body must be a JSON object.");
    }
    return o;
  }

  /** A snowflake path variable (50035 naming the field if it is not one). */
  static long snowflake(ServerRequest req, String variable) {
    return snowflake(variable + "_id", req.pathVariable(variable));
  }

  static long snowflake(String field, String value) {
    try {
      long id = Long.parseUnsignedLong(value);
      if (id == 0) {
        throw new NumberFormatException();
      }
      return id;
    } catch (NumberFormatException e) {
      throw RestException.invalidField(field, "Value \"" + abbreviate(value) + "\" is not snowflake.");
    }
  }

  /** A snowflake query parameter, 0 when absent. */
  static long snowflakeParam(ServerRequest req, String name) {
    return req.queryParam(name).map(v -> snowflake(name, v)).orElse(0L);
  }

  /** An integer query parameter within {@code min..max}, {@code dflt} when absent. */
  static int intParam(ServerRequest req, String name, int min, int max, int dflt) {
    String v = req.queryParam(name).orElse(null);
    if (v == null) {
      return dflt;
    }
    try {
      int i = Integer.parseInt(v);
      if (i < min || i > max) {
        throw RestException.invalidField(name, "int value should be between " + min + " and " + max + ".");
      }
      return i;
    } catch (NumberFormatException e) {
      throw RestException.invalidField(name, "Value \"" + abbreviate(v) + "\" is not int.");
    }
  }

  static boolean boolParam(ServerRequest req, String name) {
    return req.queryParam(name).map(v -> v.equals("true") || v.equals("1") || v.equals("True")).orElse(false);
  }

  /** An optional string field: absent or null → {@code dflt}; a number → its text; else 50035. */
  static String string(ObjectNode body, String field, String dflt) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (n.isString() || n.isNumber()) {
      return n.asString();
    }
    throw RestException.invalidField(field, "Must be a string.");
  }

  static boolean bool(ObjectNode body, String field, boolean dflt) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isBoolean()) {
      throw RestException.invalidField(field, "Must be a boolean.");
    }
    return n.asBoolean();
  }

  static Mono<ServerResponse> json(byte[] bytes) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(bytes);
  }

  /** A Discord object as the guild pod rendered it (answered without copying it again). */
  static Mono<ServerResponse> json(com.google.protobuf.ByteString bytes) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(bytes.asReadOnlyByteBuffer());
  }

  static Mono<ServerResponse> json(JsonNode node) {
    return json(JSON.writeValueAsBytes(node));
  }

  static Mono<ServerResponse> noContent() {
    return ServerResponse.noContent().build();
  }

  private static String abbreviate(String v) {
    return v.length() > 40 ? v.substring(0, 40) + "…" : v;
  }
}
