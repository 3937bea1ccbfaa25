package dev.concord.gateway.rest;

import dev.concord.cluster.DiscordErrorCode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every failure of a REST request as Discord answers it: the HTTP status and {@code {"code",
 * "message"}}. Guild API failures map by their gRPC status and the Discord code the guild pod put
 * in the trailers ({@link DiscordErrorCode}); anything unexpected is a 500 with no detail (and a
 * log line), never a stack trace on the wire.
 */
final class RestErrors {
  private static final Logger log = LoggerFactory.getLogger(RestErrors.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private RestErrors() {}

  static Mono<ServerResponse> respond(Throwable t) {
    RestException e = toRest(t);
    return ServerResponse.status(e.status).contentType(MediaType.APPLICATION_JSON).bodyValue(body(e));
  }

  /** Discord's error body: {@code {"message","code"}} and, for a 50035, the {@code errors} tree. */
  static byte[] body(RestException e) {
    ObjectNode body = JSON.createObjectNode();
    body.put("message", e.getMessage());
    body.put("code", e.code);
    if (e.fieldErrors != null) {
      ObjectNode errors = body.putObject("errors");
      for (Map.Entry<String, String> f : e.fieldErrors.entrySet()) {
        ObjectNode node = errors;
        for (String part : f.getKey().isEmpty() ? new String[0] : f.getKey().split("\\.")) {
          node = node.has(part) ? (ObjectNode) node.get(part) : node.putObject(part);
        }
        node.putArray("_errors").addObject().put("code", e.fieldCode).put("message", f.getValue());
      }
    }
    return JSON.writeValueAsBytes(body);
  }

  static RestException toRest(Throwable t) {
    if (t instanceof RestException r) {
      return r;
    }
    if (t instanceof DataBufferLimitException) {
      return RestException.tooLarge();
    }
    if (t instanceof StatusRuntimeException s) {
      return fromStatus(s);
    }
    if (t instanceof org.springframework.web.server.ResponseStatusException r) {
      return new RestException(HttpStatus.valueOf(r.getStatusCode().value()), RestException.GENERAL, r.getStatusCode().value() + ": " + r.getReason());
    }
    log.error("REST request failed unexpectedly", t);
    return new RestException(HttpStatus.INTERNAL_SERVER_ERROR, RestException.GENERAL, "500: Internal Server Error");
  }

  private static RestException fromStatus(StatusRuntimeException s) {
    int code = DiscordErrorCode.from(s);
    String description = s.getStatus().getDescription() == null ? "" : s.getStatus().getDescription();
    Status.Code c = s.getStatus().getCode();
    return switch (c) {
      case NOT_FOUND -> new RestException(HttpStatus.NOT_FOUND, code, unknownMessage(code, description));
      case PERMISSION_DENIED ->
          code == RestException.MISSING_ACCESS || code == 0
              ? new RestException(HttpStatus.FORBIDDEN, RestException.MISSING_ACCESS, "Missing Access")
              : new RestException(HttpStatus.FORBIDDEN, code, code == 50013 ? "Missing Permissions" : description);
      case INVALID_ARGUMENT, ALREADY_EXISTS ->
          code == RestException.INVALID_FORM_BODY || code == 0
              ? new RestException(HttpStatus.BAD_REQUEST, RestException.INVALID_FORM_BODY, "Invalid Form Body", Map.of("", description))
              : new RestException(HttpStatus.BAD_REQUEST, code, description);
      case RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED, FAILED_PRECONDITION ->
          new RestException(HttpStatus.SERVICE_UNAVAILABLE, RestException.GENERAL, "503: Service Unavailable (" + description + ")");
      default -> {
        log.warn("guild call failed: {}", s.getStatus());
        yield new RestException(HttpStatus.INTERNAL_SERVER_ERROR, RestException.GENERAL, "500: Internal Server Error");
      }
    };
  }

  private static String unknownMessage(int code, String description) {
    return switch (code) {
      case 10003 -> "Unknown Channel";
      case 10004 -> "Unknown Guild";
      case 10006 -> "Unknown Invite";
      case 10007 -> "Unknown Member";
      case 10008 -> "Unknown Message";
      case 10011 -> "Unknown Role";
      case 10013 -> "Unknown User";
      case 10014 -> "Unknown Emoji";
      default -> description.isEmpty() ? "404: Not Found" : description;
    };
  }
}
