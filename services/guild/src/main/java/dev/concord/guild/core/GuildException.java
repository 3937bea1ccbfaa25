package dev.concord.guild.core;

/** A refused guild operation; {@link #kind} maps to a gRPC status at the edge. */
public final class GuildException extends RuntimeException {
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    PERMISSION_DENIED,
    RESOURCE_EXHAUSTED,
    WRONG_OWNER
  }

  private final Kind kind;

  public GuildException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
