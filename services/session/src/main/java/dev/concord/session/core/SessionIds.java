package dev.concord.session.core;

import com.google.protobuf.ByteString;
import dev.concord.protocol.DispatchFrame;
import dev.concord.protocol.Opcode;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Session ids ({@code <32 hex digits>.<pod id>}: a resume finds the pod from the id) and op 9. */
final class SessionIds {
  private SessionIds() {}

  /** 32 random hex digits, then {@code .} and {@code podId}. */
  static String newId(SecureRandom random, String podId) {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b) + "." + podId;
  }

  /** INVALID_SESSION (op 9) with {@code d}. */
  static ByteString invalidSession(boolean resumable) {
    return ByteString.copyFrom(DispatchFrame.control(Opcode.INVALID_SESSION, Boolean.toString(resumable)));
  }
}
