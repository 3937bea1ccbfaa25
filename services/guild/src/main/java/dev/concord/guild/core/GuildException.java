package dev.concord.guild.core;

/** A refused guild operation; {@link #kind} maps to a gRPC status at the edge. */
public final class GuildException extends RuntimeException {
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    PERMISSION_DENIED,
    RESOURCE_EXHAUSTED,
    /** Transient: the guild is reloading or the store failed; the caller may retry. */
    UNAVAILABLE,
    WRONG_OWNER
  }

  private final Kind kind;
  private final long ringVersion;
  private final String owner;

  public GuildException(Kind kind, String message) {
    this(kind, message, 0, "");
  }

  private GuildException(Kind kind, String message, long ringVersion, String owner) {
    super(message, null, false, false);
    this.kind = kind;
    this.ringVersion = ringVersion;
    this.owner = owner;
  }

  /** This pod does not own {@code guildId} by its ring of {@code ringVersion}. */
  public static GuildException wrongOwner(long guildId, long ringVersion, String owner) {
    return new GuildException(
        Kind.WRONG_OWNER,
        "guild " + Long.toUnsignedString(guildId) + " is owned by " + (owner.isEmpty() ? "another pod" : owner)
            + " (ring v" + ringVersion + ")",
        ringVersion,
        owner);
  }

  public long ringVersion() {
    return ringVersion;
  }

  public String owner() {
    return owner;
  }

  public Kind kind() {
    return kind;
  }
}
