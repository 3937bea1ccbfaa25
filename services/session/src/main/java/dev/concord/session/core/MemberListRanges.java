package dev.concord.session.core;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Op 14's {@code channels}: {@code {"<channel id>": [[start, end], ...], ...}}, the ranges of the
 * guild's member list a client shows. There is one list per guild here, so the ranges of all
 * channels are taken together (duplicates dropped), at most 5, each at most 100 items wide.
 */
final class MemberListRanges {
  static final int MAX_RANGES = 5;
  static final int MAX_WIDTH = 100;

  private MemberListRanges() {}

  /** Inclusive [start, end] pairs, flattened; refuses anything else with IllegalArgumentException. */
  static int[] parse(JsonNode channels) {
    if (!channels.isObject()) {
      throw new IllegalArgumentException("channels must be an object of channel id to ranges");
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode ranges : channels.values()) {
      if (!ranges.isArray()) {
        throw new IllegalArgumentException("each channel's ranges must be an array of [start, end]");
      }
      for (JsonNode r : ranges) {
        if (!r.isArray() || r.size() != 2 || !r.get(0).canConvertToInt() || !r.get(1).canConvertToInt() || !r.get(0).isIntegralNumber() || !r.get(1).isIntegralNumber()) {
          throw new IllegalArgumentException("a range is [start, end]");
        }
        int start = r.get(0).asInt();
        int end = r.get(1).asInt();
        if (start < 0 || end < start || end - start >= MAX_WIDTH) {
          throw new IllegalArgumentException("range [" + start + ", " + end + "]: 0 <= start <= end, at most " + MAX_WIDTH + " items");
        }
        boolean seen = false;
        for (int i = 0; i < out.size(); i += 2) {
          seen |= out.get(i) == start && out.get(i + 1) == end;
        }
        if (!seen) {
          out.add(start);
          out.add(end);
        }
      }
    }
    if (out.size() / 2 > MAX_RANGES) {
      throw new IllegalArgumentException("at most " + MAX_RANGES + " ranges");
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
