package dev.concord.protocol;

/** A token that is malformed, wrongly signed or expired. The message says which, never the key. */
public final class InvalidTokenException extends Exception {
  public InvalidTokenException(String message) {
    super(message);
  }
}
