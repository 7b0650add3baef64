package dev.mmel.retriever.milvus;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What changes about a build collection while it is written, completed and published, kept in
 * the collection's properties: its description, the {@link BuildStamp}, is fixed when the
 * collection is created. A publish marks the build complete, with its entity count, before the
 * publish policy is checked, so that a collection without the mark is a build whose job never
 * finished. Writers record when they last wrote, which gc goes by.
 *
 * @param prefix the store prefix that created the collection; it tells a build of prefix
 *     {@code mmel} from one of {@code mmel_test}, whose collection names both start with
 *     {@code mmel_}
 * @param entities what the build held when it was completed
 * @param publishedAt when the build first went live
 * @param writtenAt when a writer last wrote to it (at most {@link #WRITE_MARK_INTERVAL_MILLIS}
 *     late)
 */
record BuildProgress(Optional<String> prefix, boolean complete, OptionalLong entities,
    Optional<Instant> publishedAt, Optional<Instant> writtenAt) {
  /**
   * A writer records its writes at most this often: each record is a request to Milvus' root
   * coordinator, and gc only needs to know that a build was written within minutes.
   */
  static final long WRITE_MARK_INTERVAL_MILLIS = 60_000;

  static final String PREFIX = "mmel.prefix";
  static final String STATE = "mmel.state";
  static final String ENTITIES = "mmel.entities";
  static final String COMPLETED_AT = "mmel.completed_at";
  static final String PUBLISHED_AT = "mmel.published_at";
  static final String WRITTEN_AT = "mmel.written_at";
  private static final String WRITING = "writing";
  private static final String COMPLETE = "complete";

  /**
   * Reads the properties of a collection; values that do not parse count as absent, so a
   * damaged property makes a build look unfinished (which gc may remove), never live.
   */
  static BuildProgress of(Map<String, String> properties) {
    Map<String, String> p = properties == null ? Map.of() : properties;
    return new BuildProgress(Optional.ofNullable(p.get(PREFIX)),
        COMPLETE.equals(p.get(STATE)), number(p.get(ENTITIES)),
        instant(p.get(PUBLISHED_AT)), instant(p.get(WRITTEN_AT)));
  }

  static Map<String, String> created(String prefix, Instant now) {
    return Map.of(PREFIX, prefix, STATE, WRITING, WRITTEN_AT, millis(now));
  }

  static Map<String, String> writing(Instant now) {
    return Map.of(STATE, WRITING, WRITTEN_AT, millis(now));
  }

  static Map<String, String> written(Instant now) {
    return Map.of(WRITTEN_AT, millis(now));
  }

  static Map<String, String> completed(long entities, Instant now) {
    return Map.of(STATE, COMPLETE, ENTITIES, Long.toString(entities), COMPLETED_AT, millis(now));
  }

  static Map<String, String> published(Instant now) {
    return Map.of(PUBLISHED_AT, millis(now));
  }

  private static String millis(Instant at) {
    return Long.toString(at.toEpochMilli());
  }

  private static OptionalLong number(String value) {
    try {
      return value == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static Optional<Instant> instant(String value) {
    OptionalLong millis = number(value);
    return millis.isPresent() ? Optional.of(Instant.ofEpochMilli(millis.getAsLong()))
        : Optional.empty();
  }
}
