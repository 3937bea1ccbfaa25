package dev.concord.protocol;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON reader for what clients send (gateway frames, REST bodies): bounded before any object
 * is built, beyond what the frame and body size caps already bound. Discord's payloads nest a few
 * levels (an embed's fields: 4), so 32 levels refuse only hostile input, and numbers are capped
 * far below what would cost CPU to parse ({@code BigInteger} of 10 000 digits), and the tokens of
 * one document (so the elements of its arrays and objects) are counted: a 64 KiB body of
 * {@code [0,0,0,…]} would otherwise become a tree of 32 000 nodes. Discord's largest bodies (ten
 * embeds of 25 fields, a bulk delete of 100 ids) stay far below. Strings are bounded by the frame
 * and body caps (4 KB, 64 KiB).
 */
public final class ClientJson {
  /** Nesting depth of objects and arrays at most. */
  public static final int MAX_DEPTH = 32;
  /** Digits of a number at most (a snowflake has 20). */
  public static final int MAX_NUMBER_LENGTH = 32;
  /** Tokens (values, names, starts and ends of arrays and objects) of one document at most. */
  public static final int MAX_TOKENS = 8192;

  private ClientJson() {}

  /** A mapper whose reads refuse (with a {@code JacksonException}) input past these bounds. */
  public static JsonMapper mapper() {
    return JsonMapper.builder(
            JsonFactory.builder()
                .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH).maxTokenCount(MAX_TOKENS).build())
                .build())
        .build();
  }
}
