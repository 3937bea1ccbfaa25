package dev.concord.protocol;

/** Gateway v10 opcodes. */
public final class Opcode {
  public static final int DISPATCH = 0;
  public static final int HEARTBEAT = 1;
  public static final int IDENTIFY = 2;
  public static final int PRESENCE_UPDATE = 3;
  public static final int VOICE_STATE_UPDATE = 4;
  public static final int RESUME = 6;
  public static final int RECONNECT = 7;
  public static final int REQUEST_GUILD_MEMBERS = 8;
  public static final int INVALID_SESSION = 9;
  public static final int HELLO = 10;
  public static final int HEARTBEAT_ACK = 11;

  /**
   * A user client looks at a guild (Discord's lazy-guild subscription, {@code {"guild_id": ...}}):
   * its session becomes active there and gets the guild's live events (see PASSIVE_UPDATE_V1).
   */
  public static final int GUILD_SUBSCRIPTIONS = 14;

  private Opcode() {}

  /** Whether a client may send {@code op}. */
  public static boolean isClientOpcode(int op) {
    return switch (op) {
      case HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE, RESUME, REQUEST_GUILD_MEMBERS, GUILD_SUBSCRIPTIONS ->
          true;
      default -> false;
    };
  }
}
