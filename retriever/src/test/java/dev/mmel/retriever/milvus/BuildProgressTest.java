package dev.mmel.retriever.milvus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The collection properties a build's progress is kept in, merged as Milvus merges them. */
class BuildProgressTest {
  private static final Instant T0 = Instant.ofEpochMilli(1_796_320_428_702L);

  @Test
  void aBuildIsUnfinishedUntilCompletedAndPublishedAfter() {
    Map<String, String> properties = new HashMap<>(BuildProgress.created("mmel", T0));
    BuildProgress created = BuildProgress.of(properties);
    assertEquals(Optional.of("mmel"), created.prefix());
    assertFalse(created.complete());
    assertEquals(Optional.of(T0), created.writtenAt());

    properties.putAll(BuildProgress.completed(18_880, T0.plusSeconds(60)));
    BuildProgress completed = BuildProgress.of(properties);
    assertTrue(completed.complete());
    assertEquals(OptionalLong.of(18_880), completed.entities());
    assertEquals(Optional.empty(), completed.publishedAt());

    properties.putAll(BuildProgress.published(T0.plusSeconds(70)));
    assertEquals(Optional.of(T0.plusSeconds(70)), BuildProgress.of(properties).publishedAt());

    properties.putAll(BuildProgress.writing(T0.plusSeconds(90)));
    BuildProgress reopened = BuildProgress.of(properties);
    assertFalse(reopened.complete(), "written again, it is unfinished again");
    assertEquals(Optional.of(T0.plusSeconds(90)), reopened.writtenAt());
    assertEquals(Optional.of("mmel"), reopened.prefix());
  }

  @Test
  void missingOrDamagedPropertiesReadAsAbsent() {
    BuildProgress none = BuildProgress.of(null);
    assertEquals(new BuildProgress(Optional.empty(), false, OptionalLong.empty(),
        Optional.empty(), Optional.empty()), none);
    BuildProgress damaged = BuildProgress.of(Map.of(BuildProgress.STATE, "complete",
        BuildProgress.ENTITIES, "many", BuildProgress.WRITTEN_AT, "yesterday"));
    assertTrue(damaged.complete());
    assertEquals(OptionalLong.empty(), damaged.entities());
    assertEquals(Optional.empty(), damaged.writtenAt());
  }
}
