package dev.concord.protocol;

/**
 * Gateway close codes sent by the server. {@link #resumable()} tells whether the session survives
 * the close (the client may RESUME) or the client must not reconnect with the same parameters.
 */
public enum CloseCode {
  UNKNOWN_ERROR(4000, "unknown error", true),
  UNKNOWN_OPCODE(4001, "unknown opcode", true),
  DECODE_ERROR(4002, "decode error", true),
  NOT_AUTHENTICATED(4003, "not authenticated", true),
  AUTHENTICATION_FAILED(4004, "authentication failed", false),
  ALREADY_AUTHENTICATED(4005, "already authenticated", true),
  INVALID_SEQ(4007, "invalid seq", true),
  RATE_LIMITED(4008, "rate limited", true),
  SESSION_TIMED_OUT(4009, "session timed out", true),
  INVALID_SHARD(4010, "invalid shard", false),
  SHARDING_REQUIRED(4011, "sharding required", false),
  INVALID_API_VERSION(4012, "invalid API version", false),
  INVALID_INTENTS(4013, "invalid intents", false),
  DISALLOWED_INTENTS(4014, "disallowed intents", false);

  private final int code;
  private final String reason;
  private final boolean resumable;

  CloseCode(int code, String reason, boolean resumable) {
    this.code = code;
    this.reason = reason;
    this.resumable = resumable;
  }

  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  public boolean resumable() {
    return resumable;
  }
}
