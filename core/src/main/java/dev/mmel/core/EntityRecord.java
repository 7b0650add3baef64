package dev.mmel.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A knowledge-base entity's metadata. Limits are UTF-8 bytes (what the Milvus schema counts) and
 * apply to every store alike, so a KB that builds one index builds the other.
 */
public record EntityRecord(String qid, String name, List<String> aliases, String description,
    String imageRef) {
  public static final int MAX_QID_BYTES = 64;
  public static final int MAX_NAME_BYTES = 512;
  public static final int MAX_ALIASES = 64;
  public static final int MAX_ALIAS_BYTES = 256;
  public static final int MAX_DESCRIPTION_BYTES = 2048;
  public static final int MAX_IMAGE_REF_BYTES = 1024;
  private static final Pattern QID = Pattern.compile("[A-Za-z0-9_.:-]+");

  public EntityRecord {
    if (qid == null || !QID.matcher(qid).matches()) {
      throw new IllegalArgumentException("qid must be a non-empty id of letters, digits and _.:- "
          + "(e.g. a Wikidata QID such as Q42), got '" + qid + "'");
    }
    limit("qid", qid, MAX_QID_BYTES);
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(qid + ".name must not be empty");
    }
    limit(qid + ".name", name, MAX_NAME_BYTES);
    aliases = aliases == null ? List.of() : List.copyOf(aliases);
    if (aliases.size() > MAX_ALIASES) {
      throw new IllegalArgumentException(qid + ".aliases holds " + aliases.size()
          + " entries; at most " + MAX_ALIASES);
    }
    for (String alias : aliases) {
      limit(qid + ".aliases[]", alias, MAX_ALIAS_BYTES);
    }
    description = description == null ? "" : description;
    limit(qid + ".description", description, MAX_DESCRIPTION_BYTES);
    imageRef = imageRef == null ? "" : imageRef;
    limit(qid + ".image_ref", imageRef, MAX_IMAGE_REF_BYTES);
  }

  private static void limit(String field, String value, int maxBytes) {
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      throw new IllegalArgumentException(field + " is " + bytes + " bytes of UTF-8; at most "
          + maxBytes);
    }
  }
}
