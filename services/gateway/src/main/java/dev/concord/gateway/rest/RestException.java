package dev.concord.gateway.rest;

import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/**
 * A refused REST request, answered with Discord's error shape {@code {"code","message"}} (and
 * {@code errors}, the field tree of a 50035) and {@code status}.
 */
final class RestException extends RuntimeException {
  static final int GENERAL = 0;
  static final int UNKNOWN_ACCOUNT = 10001;
  static final int UNKNOWN_CHANNEL = 10003;
  static final int UNKNOWN_GUILD = 10004;
  static final int UNKNOWN_MESSAGE = 10008;
  static final int UNKNOWN_USER = 10013;
  static final int UNAUTHORIZED = 40001;
  static final int REQUEST_TOO_LARGE = 40005;
  static final int MISSING_ACCESS = 50001;
  static final int INVALID_FORM_BODY = 50035;

  final HttpStatus status;
  final int code;
  final @Nullable Map<String, String> fieldErrors;
  /** The {@code code} of each field error ({@code BASE_TYPE_INVALID} unless named). */
  final String fieldCode;

  RestException(HttpStatus status, int code, String message) {
    this(status, code, message, null);
  }

  RestException(HttpStatus status, int code, String message, @Nullable Map<String, String> fieldErrors) {
    this(status, code, message, fieldErrors, "BASE_TYPE_INVALID");
  }

  RestException(HttpStatus status, int code, String message, @Nullable Map<String, String> fieldErrors, String fieldCode) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.fieldCode = fieldCode;
  }

  /** 50035 with errors on {@code fields} (in order), each with Discord's {@code fieldCode} and {@code message}. */
  static RestException invalidFields(String fieldCode, String message, String... fields) {
    Map<String, String> errors = new java.util.LinkedHashMap<>();
    for (String f : fields) {
      errors.put(f, message);
    }
    return new RestException(HttpStatus.BAD_REQUEST, INVALID_FORM_BODY, "Invalid Form Body", errors, fieldCode);
  }

  /** 50035 with one field's error, as Discord nests it: {@code errors.<field>._errors[0]}. */
  static RestException invalidField(String field, String message) {
    return new RestException(HttpStatus.BAD_REQUEST, INVALID_FORM_BODY, "Invalid Form Body", Map.of(field, message));
  }

  static RestException unauthorized() {
    return new RestException(HttpStatus.UNAUTHORIZED, UNAUTHORIZED, "401: Unauthorized");
  }

  static RestException tooLarge() {
    return new RestException(HttpStatus.PAYLOAD_TOO_LARGE, REQUEST_TOO_LARGE, "Request entity too large");
  }

  static RestException notFound() {
    return new RestException(HttpStatus.NOT_FOUND, GENERAL, "404: Not Found");
  }
}
