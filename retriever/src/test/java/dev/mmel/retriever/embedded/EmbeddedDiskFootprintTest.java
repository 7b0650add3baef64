package dev.mmel.retriever.embedded;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.EntityIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes on disk per entity at the real model's shapes (800-d retrieval vector, 9,792 rerank
 * floats): the float vector plus fp16 rerank features, and little else. Catches anything stored
 * twice or uncompressed that should not be.
 */
class EmbeddedDiskFootprintTest {
  private static final IndexSchema REAL = new IndexSchema(800, 96, 50, 50);
  private static final int ENTITIES = 2_000;

  @TempDir
  Path root;

  @Test
  void anEntityTakesLittleMoreThanItsVectorAndHalfFloatFeatures() throws IOException {
    Random random = new Random(50);
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(root);
        EntityIndex index = store.openBuild("footprint", "v1", REAL)) {
      for (int from = 0; from < ENTITIES; from += 250) {
        List<EncodedEntity> batch = new ArrayList<>();
        for (int i = from; i < from + 250; i++) {
          batch.add(entity(i, random));
        }
        index.upsert(batch);
      }
      index.flush();
    }
    long raw = 4L * REAL.retrievalDim() + 2L * REAL.rerankFloats();
    double perEntity = (double) size(root.resolve("builds/footprint")) / ENTITIES;
    assertTrue(perEntity > raw && perEntity < raw + 1_200,
        "bytes per entity " + perEntity + ", raw vector and features " + raw);
  }

  private static EncodedEntity entity(int i, Random random) {
    int d = REAL.hiddenDim();
    return new EncodedEntity(
        new EntityRecord("Q" + (100_000 + i), "Entity number " + i,
            List.of("alias " + i, "another alias " + i), "A description of entity " + i
                + " that is about as long as a Wikidata description.", "images/Q" + i + ".jpg"),
        gaussian(random, REAL.retrievalDim()),
        new RerankFeatures(gaussian(random, d), gaussian(random, REAL.textPositions() * d),
            gaussian(random, d), gaussian(random, REAL.imagePositions() * d)));
  }

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(path -> {
        try {
          return Files.size(path);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).sum();
    }
  }
}
