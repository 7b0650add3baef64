package dev.mmel.retriever;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The caches over a real embedded index: hits, invalidation on writes, bounds, stats. */
class CachingEntityIndexTest {
  private static final IndexSchema SCHEMA = new IndexSchema(8, 2, 3, 3);

  @TempDir
  Path dir;

  private static EncodedEntity entity(String qid, String name, Random random) {
    return new EncodedEntity(new EntityRecord(qid, name, List.of(), "", ""),
        floats(random, 8), new RerankFeatures(floats(random, 2), floats(random, 6),
            floats(random, 2), floats(random, 6)));
  }

  private static float[] floats(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextFloat();
    }
    return v;
  }

  @Test
  void repeatedLookupsHitTheCacheAndWritesThroughItInvalidate() {
    Random random = new Random(1);
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(dir);
        CachingEntityIndex index = new CachingEntityIndex(
            store.openBuild("b1", "mmoe-0000000000000000", SCHEMA), CacheConfig.defaults())) {
      index.upsert(List.of(entity("Q1", "Powers", random), entity("Q2", "Austin Powers", random)));
      index.flush();
      for (int i = 0; i < 3; i++) {
        assertEquals(1, index.entities(List.of("Q1", "Q9")).size());
        assertEquals(1, index.lookupByName("powers", 5).size());
        assertEquals("Powers", index.records(List.of("Q1")).get("Q1").name());
      }
      CachingEntityIndex.Stats stats = index.stats();
      assertEquals(2, stats.entities().hitCount(), "Q1 hit twice after the first load");
      assertEquals(2, stats.names().hitCount());
      assertEquals(2, stats.records().hitCount());

      index.upsert(List.of(entity("Q1", "Stefanie Powers", random)));
      index.flush();
      assertEquals("Stefanie Powers", index.records(List.of("Q1")).get("Q1").name(),
          "the write invalidated the cached record");
      assertTrue(index.lookupByName("powers", 5).isEmpty(), "and the cached name look-up");
      index.delete(List.of("Q2"));
      index.flush();
      assertTrue(index.rerankFeatures(List.of("Q2")).isEmpty());
    }
  }

  @Test
  void entityCacheIsBoundedInBytes() {
    Random random = new Random(2);
    long perEntity = 4L * (SCHEMA.retrievalDim() + SCHEMA.rerankFloats());
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(dir);
        CachingEntityIndex index = new CachingEntityIndex(
            store.openBuild("b2", "mmoe-0000000000000000", SCHEMA),
            new CacheConfig(3 * perEntity, 10, 10, Duration.ofMinutes(1)))) {
      for (int i = 0; i < 20; i++) {
        index.upsert(List.of(entity("Q" + i, "E" + i, random)));
      }
      index.flush();
      for (int i = 0; i < 20; i++) {
        index.rerankFeatures(List.of("Q" + i));
      }
      index.rerankFeatures(List.of("Q19"));
      assertTrue(index.stats().entities().evictionCount() >= 17,
          "evictions: " + index.stats().entities().evictionCount());
    }
  }

  @Test
  void configLimitsNameTheField() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new CacheConfig(-1, 1, 1, Duration.ofMinutes(1))).getMessage()
        .startsWith("max_entity_bytes must be in [0, "));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new CacheConfig(1, 1, 1, Duration.ZERO)).getMessage().startsWith("ttl must be"));
  }
}
