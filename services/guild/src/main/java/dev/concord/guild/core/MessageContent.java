package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

/**
 * What a message says beyond its text: its rich embeds and whom it mentions. Plain functions,
 * shared by creating, editing and rendering stored messages.
 *
 * <p>Embeds arrive as a JSON array the gateway has checked against Discord's limits (lengths,
 * counts, 6 000 characters in all); here they are checked again for what the guild pod relies on
 * (a JSON array of at most {@value #MAX_EMBEDS} objects, at most {@value #MAX_EMBEDS_BYTES} bytes)
 * and stored as they are. Mentions are the members named in the content ({@code <@id>}), narrowed
 * by allowed_mentions, plus a reply's author unless allowed_mentions says otherwise.
 */
public final class MessageContent {
  public static final int MAX_EMBEDS = 10;
  public static final int MAX_EMBEDS_BYTES = 32 * 1024;
  public static final int MAX_MENTIONS = 100;

  /** A user mention in content: {@code <@id>} or {@code <@!id>}. */
  private static final Pattern MENTION = Pattern.compile("<@!?([0-9]{1,20})>");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Discord's allowed_mentions for users: every one mentioned, or only {@code users}; and the replied-to author. */
  public record Allowed(boolean parseUsers, List<Long> users, boolean repliedUser) {}

  /** A message's text, embeds ("" none) and allowed mentions (null: Discord's default, all). */
  public record Draft(String content, String embedsJson, @Nullable Allowed allowed) {
    public static Draft text(String content) {
      return new Draft(content, "", null);
    }
  }

  private MessageContent() {}

  /** The embeds as a JSON array ("" → empty); INVALID_ARGUMENT if not an array of at most 10 objects within 32 KiB. */
  public static ArrayNode embeds(String embedsJson) {
    if (embedsJson.isEmpty()) {
      return JSON.createArrayNode();
    }
    if (embedsJson.length() > MAX_EMBEDS_BYTES) {
      throw invalid("embeds: more than " + MAX_EMBEDS_BYTES + " bytes");
    }
    JsonNode n;
    try {
      n = JSON.readTree(embedsJson);
    } catch (JacksonException e) {
      throw invalid("embeds: not JSON");
    }
    if (!(n instanceof ArrayNode a) || a.size() > MAX_EMBEDS) {
      throw invalid("embeds: expected an array of at most " + MAX_EMBEDS + " embed objects");
    }
    for (JsonNode e : a) {
      if (!e.isObject()) {
        throw invalid("embeds: expected an array of at most " + MAX_EMBEDS + " embed objects");
      }
    }
    return a;
  }

  /** The embeds in the form stored ("" for none). */
  public static String storedEmbeds(String embedsJson) {
    return embeds(embedsJson).isEmpty() ? "" : embedsJson;
  }

  /** A message needs text or an embed (50006), and at most 2 000 characters of text. */
  public static void checkBody(String content, String embedsJson) {
    if (content.isEmpty() && embeds(embedsJson).isEmpty()) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, GuildException.EMPTY_MESSAGE, "Cannot send an empty message");
    }
    if (content.length() > MessageOps.MAX_CONTENT_LENGTH) {
      throw invalid("content: " + content.length() + " chars (expected: <= " + MessageOps.MAX_CONTENT_LENGTH + ")");
    }
    Checks.text("content", content);
  }

  /** The user ids mentioned in {@code content} (distinct, in order, at most 100). */
  public static List<Long> mentionedIds(String content) {
    LinkedHashSet<Long> ids = new LinkedHashSet<>();
    Matcher m = MENTION.matcher(content);
    while (m.find() && ids.size() < MAX_MENTIONS) {
      try {
        ids.add(Long.parseUnsignedLong(m.group(1)));
      } catch (NumberFormatException e) {
        // not a snowflake: not a mention
      }
    }
    return List.copyOf(ids);
  }

  /**
   * The mentions that count: those in {@code content} that {@code allowed} lets through, then the
   * replied-to author ({@code repliedAuthor}, 0 if not a reply) when allowed (by default: yes).
   */
  public static List<Long> mentions(String content, @Nullable Allowed allowed, long repliedAuthor) {
    LinkedHashSet<Long> out = new LinkedHashSet<>();
    for (long id : mentionedIds(content)) {
      if (allowed == null || allowed.parseUsers() || allowed.users().contains(id)) {
        out.add(id);
      }
    }
    if (repliedAuthor != 0 && (allowed == null || allowed.repliedUser()) && out.size() < MAX_MENTIONS) {
      out.add(repliedAuthor);
    }
    return List.copyOf(out);
  }

  /** A stored row's mentions: as stored, or for older rows parsed from the content. */
  public static List<Long> mentions(GuildStore.MessageRow row) {
    String ids = row.mentionIds();
    if (ids == null) {
      return mentionedIds(row.content());
    }
    List<Long> out = new ArrayList<>();
    for (String id : ids.split(",")) {
      if (!id.isEmpty()) {
        out.add(Long.parseUnsignedLong(id));
      }
    }
    return out;
  }

  /**
   * The replied-to author a stored reply mentions (0: none): {@link #mentions(String, Allowed,
   * long)} puts that author last, after the content's own mentions, so it is the last stored id
   * when the content does not name it itself.
   */
  static long repliedMention(GuildStore.MessageRow row) {
    List<Long> stored = mentions(row);
    if (row.referencedId() == 0 || stored.isEmpty() || mentionedIds(row.content()).contains(stored.getLast())) {
      return 0;
    }
    return stored.getLast();
  }

  /** {@code ids} as stored: comma-separated. */
  public static String storedMentions(List<Long> ids) {
    StringBuilder b = new StringBuilder(ids.size() * 20);
    for (long id : ids) {
      if (!b.isEmpty()) {
        b.append(',');
      }
      b.append(Long.toUnsignedString(id));
    }
    return b.toString();
  }

  private static GuildException invalid(String message) {
    return new GuildException(GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, message);
  }
}
