package dev.concord.gateway.rest;

import dev.concord.proto.guild.v1.AllowedMentions;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The parts of a message body beyond {@code content}, checked against Discord's limits with
 * Discord's field errors (50035 naming the field, e.g. {@code embeds.0.fields.3.value}):
 * {@code embeds} (at most 10; title 256, description 4 096, 25 fields of name 256 / value 1 024,
 * footer 2 048, author name 256, 6 000 characters in all; color 0..0xFFFFFF) rewritten to the
 * fields Concord keeps, and {@code allowed_mentions} ({@code parse}, {@code users},
 * {@code roles}, {@code replied_user}). What Concord cannot store (components, stickers,
 * attachments, polls) is refused when non-empty, never silently dropped.
 */
final class MessageBodies {
  static final int MAX_CONTENT = 2000;
  private static final int MAX_EMBEDS = 10;
  private static final int MAX_EMBED_CHARS = 6000;
  private static final int MAX_URL = 2048;
  private static final Set<String> PARSE = Set.of("users", "roles", "everyone");

  private MessageBodies() {}

  /** {@code content}: absent or null → "" ; at most 2 000 characters. */
  static String content(ObjectNode body) {
    refuseUnsupported(body);
    String content = RestIo.string(body, "content", "");
    if (content.length() > MAX_CONTENT) {
      throw RestException.invalidField("content", "Must be " + MAX_CONTENT + " or fewer in length.");
    }
    return content;
  }

  /** Text or an embed: Discord's 50006 when a new message has neither. */
  static void requireSomething(String content, String embedsJson) {
    if (content.isEmpty() && embedsJson.isEmpty()) {
      throw new RestException(HttpStatus.BAD_REQUEST, 50006, "Cannot send an empty message");
    }
  }

  private static void refuseUnsupported(ObjectNode body) {
    for (String unsupported : List.of("components", "sticker_ids", "attachments", "files", "poll")) {
      JsonNode n = body.get(unsupported);
      if (n != null && !n.isNull() && !(n.isArray() && n.isEmpty())) {
        throw RestException.invalidField(unsupported, unsupported + " are not supported by Concord yet.");
      }
    }
  }

  /** {@code embeds} as the JSON array the guild pod stores: null when absent, "" when empty. */
  static @Nullable String embeds(ObjectNode body) {
    JsonNode n = body.get("embeds");
    if (n == null || n.isNull()) {
      return body.has("embeds") ? "" : null;
    }
    if (!(n instanceof ArrayNode in) || in.size() > MAX_EMBEDS) {
      throw RestException.invalidField("embeds", "Must be an array of " + MAX_EMBEDS + " or fewer embeds.");
    }
    if (in.isEmpty()) {
      return "";
    }
    ArrayNode out = RestIo.JSON.createArrayNode();
    int[] chars = {0};
    for (int i = 0; i < in.size(); i++) {
      out.add(embed(in.get(i), "embeds." + i, chars));
    }
    if (chars[0] > MAX_EMBED_CHARS) {
      throw RestException.invalidField("embeds", "Embed size exceeds maximum size of " + MAX_EMBED_CHARS);
    }
    return RestIo.JSON.writeValueAsString(out);
  }

  private static ObjectNode embed(JsonNode n, String at, int[] chars) {
    if (!(n instanceof ObjectNode in)) {
      throw RestException.invalidField(at, "Must be an object.");
    }
    ObjectNode e = RestIo.JSON.createObjectNode();
    e.put("type", "rich");
    chars[0] += text(in, e, "title", 256, at);
    chars[0] += text(in, e, "description", 4096, at);
    text(in, e, "url", MAX_URL, at);
    text(in, e, "timestamp", 64, at);
    JsonNode color = in.get("color");
    if (color != null && !color.isNull()) {
      if (!color.canConvertToInt() || color.asInt() < 0 || color.asInt() > 0xFFFFFF) {
        throw RestException.invalidField(at + ".color", "int value should be between 0 and 16777215.");
      }
      e.put("color", color.asInt());
    }
    ObjectNode footer = part(in, e, "footer", at);
    if (footer != null) {
      chars[0] += text((ObjectNode) in.get("footer"), footer, "text", 2048, at + ".footer");
      text((ObjectNode) in.get("footer"), footer, "icon_url", MAX_URL, at + ".footer");
    }
    for (String media : List.of("image", "thumbnail")) {
      ObjectNode m = part(in, e, media, at);
      if (m != null) {
        text((ObjectNode) in.get(media), m, "url", MAX_URL, at + "." + media);
      }
    }
    ObjectNode author = part(in, e, "author", at);
    if (author != null) {
      ObjectNode a = (ObjectNode) in.get("author");
      chars[0] += text(a, author, "name", 256, at + ".author");
      text(a, author, "url", MAX_URL, at + ".author");
      text(a, author, "icon_url", MAX_URL, at + ".author");
    }
    JsonNode fields = in.get("fields");
    if (fields != null && !fields.isNull()) {
      if (!fields.isArray() || fields.size() > 25) {
        throw RestException.invalidField(at + ".fields", "Must be 25 or fewer in length.");
      }
      ArrayNode out = e.putArray("fields");
      for (int i = 0; i < fields.size(); i++) {
        String fat = at + ".fields." + i;
        if (!(fields.get(i) instanceof ObjectNode f)) {
          throw RestException.invalidField(fat, "Must be an object.");
        }
        ObjectNode o = out.addObject();
        chars[0] += required(f, o, "name", 256, fat);
        chars[0] += required(f, o, "value", 1024, fat);
        o.put("inline", RestIo.bool(f, "inline", false));
      }
    }
    return e;
  }

  /** A nested object ({@code footer}, {@code image}, ...): a new empty one in {@code out}, or null if absent. */
  private static @Nullable ObjectNode part(ObjectNode in, ObjectNode out, String field, String at) {
    JsonNode n = in.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw RestException.invalidField(at + "." + field, "Must be an object.");
    }
    return out.putObject(field);
  }

  /** An optional string of at most {@code max} characters, copied; returns its length. */
  private static int text(ObjectNode in, ObjectNode out, String field, int max, String at) {
    String v = RestIo.string(in, field, null);
    if (v == null) {
      return 0;
    }
    if (v.length() > max) {
      throw RestException.invalidField(at + "." + field, "Must be " + max + " or fewer in length.");
    }
    out.put(field, v);
    return v.length();
  }

  private static int required(ObjectNode in, ObjectNode out, String field, int max, String at) {
    String v = RestIo.string(in, field, "");
    if (v.isEmpty()) {
      throw RestException.invalidField(at + "." + field, "This field is required");
    }
    return text(in, out, field, max, at);
  }

  /** {@code allowed_mentions}, or null when absent (Discord's default: every mention counts). */
  static @Nullable AllowedMentions allowedMentions(ObjectNode body) {
    JsonNode n = body.get("allowed_mentions");
    if (n == null || n.isNull()) {
      return null;
    }
    if (!(n instanceof ObjectNode am)) {
      throw RestException.invalidField("allowed_mentions", "Must be an object.");
    }
    AllowedMentions.Builder b = AllowedMentions.newBuilder();
    JsonNode parse = am.get("parse");
    boolean parseUsers = false;
    boolean parseRoles = false;
    if (parse != null && !parse.isNull()) {
      if (!parse.isArray()) {
        throw RestException.invalidField("allowed_mentions.parse", "Must be an array.");
      }
      for (JsonNode p : parse) {
        String v = p.asString("");
        if (!PARSE.contains(v)) {
          throw RestException.invalidField("allowed_mentions.parse", "Value must be one of {'users', 'roles', 'everyone'}.");
        }
        parseUsers |= v.equals("users");
        parseRoles |= v.equals("roles");
      }
    }
    b.setParseUsers(parseUsers);
    List<Long> users = ids(am, "users");
    List<Long> roles = ids(am, "roles");
    if (parseUsers && !users.isEmpty() || parseRoles && !roles.isEmpty()) {
      throw RestException.invalidField("allowed_mentions", "parse and users/roles are mutually exclusive.");
    }
    b.addAllUsers(users);
    b.setRepliedUser(RestIo.bool(am, "replied_user", false));
    return b.build();
  }

  private static List<Long> ids(ObjectNode am, String field) {
    JsonNode n = am.get(field);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray() || n.size() > 100) {
      throw RestException.invalidField("allowed_mentions." + field, "Must be 100 or fewer in length.");
    }
    List<Long> out = new java.util.ArrayList<>(n.size());
    for (JsonNode id : n) {
      out.add(RestIo.snowflake("allowed_mentions." + field, id.asString("")));
    }
    return out;
  }
}
