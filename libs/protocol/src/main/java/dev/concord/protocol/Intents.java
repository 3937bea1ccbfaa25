package dev.concord.protocol;

/** Gateway intent bits and the checks on an IDENTIFY's {@code intents}. */
public final class Intents {
  public static final long GUILDS = 1L << 0;
  public static final long GUILD_MEMBERS = 1L << 1;
  public static final long GUILD_MODERATION = 1L << 2;
  public static final long GUILD_VOICE_STATES = 1L << 7;
  public static final long GUILD_PRESENCES = 1L << 8;
  public static final long GUILD_MESSAGES = 1L << 9;
  public static final long GUILD_MESSAGE_REACTIONS = 1L << 10;
  public static final long GUILD_MESSAGE_TYPING = 1L << 11;
  public static final long DIRECT_MESSAGES = 1L << 12;
  public static final long MESSAGE_CONTENT = 1L << 15;

  /** Every bit Discord defines for v10 (0..25 with gaps tolerated: unknown bits in range pass). */
  public static final long ALL_KNOWN = (1L << 26) - 1;

  public static final long PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT;

  private Intents() {}

  /** Whether {@code intents} only uses bits Discord defines (a 4013 otherwise). */
  public static boolean isValid(long intents) {
    return intents >= 0 && (intents & ~ALL_KNOWN) == 0;
  }

  /** Whether a session with {@code intents} receives an event needing any of {@code required}. */
  public static boolean permits(long intents, long required) {
    return required == 0 || (intents & required) != 0;
  }
}
