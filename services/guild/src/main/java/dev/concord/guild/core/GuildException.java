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

  /** Discord's JSON error codes that the REST API answers with (0: none more specific). */
  public static final int UNKNOWN_CHANNEL = 10003;
  public static final int UNKNOWN_GUILD = 10004;
  public static final int UNKNOWN_MEMBER = 10007;
  public static final int UNKNOWN_MESSAGE = 10008;
  public static final int UNKNOWN_ROLE = 10011;
  public static final int UNKNOWN_USER = 10013;
  public static final int UNKNOWN_EMOJI = 10014;
  public static final int MISSING_ACCESS = 50001;
  public static final int CANNOT_EDIT_OTHERS_MESSAGE = 50005;
  public static final int EMPTY_MESSAGE = 50006;
  public static final int MISSING_PERMISSIONS = 50013;
  public static final int BULK_DELETE_TOO_OLD = 50034;
  public static final int INVALID_FORM_BODY = 50035;

  private final Kind kind;
  private final int code;
  private final long ringVersion;
  private final String owner;

  public GuildException(Kind kind, String message) {
    this(kind, 0, message);
  }

  /** A refusal that REST reports with Discord's JSON error {@code code}. */
  public GuildException(Kind kind, int code, String message) {
    this(kind, code, message, 0, "");
  }

  private GuildException(Kind kind, int code, String message, long ringVersion, String owner) {
    super(message, null, false, false);
    this.kind = kind;
    this.code = code;
    this.ringVersion = ringVersion;
    this.owner = owner;
  }

  /** Discord's JSON error code for this refusal, or 0. */
  public int code() {
    return code;
  }

  /** This pod does not own {@code guildId} by its ring of {@code ringVersion}. */
  public static GuildException wrongOwner(long guildId, long ringVersion, String owner) {
    return new GuildException(
        Kind.WRONG_OWNER,
        0,
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
