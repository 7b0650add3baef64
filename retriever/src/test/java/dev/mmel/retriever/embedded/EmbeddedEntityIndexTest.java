package dev.mmel.retriever.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.SearchHit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of one embedded index beyond the shared contract. */
class EmbeddedEntityIndexTest {
  private static final IndexSchema SCHEMA = new IndexSchema(16, 2, 2, 1);

  @TempDir
  Path root;
  private EmbeddedEntityIndexStore store;
  private EntityIndex index;

  @BeforeEach
  void open() {
    store = new EmbeddedEntityIndexStore(root);
    index = store.openBuild("test", "v1", SCHEMA);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static EncodedEntity entity(int i, Random random) {
    return new EncodedEntity(new EntityRecord("Q" + i, "Entity " + i, List.of("e" + i), "", ""),
        vector(random, SCHEMA.retrievalDim()),
        new RerankFeatures(vector(random, 2), vector(random, 4), vector(random, 2),
            vector(random, 2)));
  }

  private static List<EncodedEntity> entities(int from, int to, Random random) {
    List<EncodedEntity> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(entity(i, random));
    }
    return out;
  }

  private static float[] vector(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  @Test
  void readersOnManyThreadsNeverFailWhileOneThreadWrites() throws InterruptedException {
    Random random = new Random(30);
    List<EncodedEntity> all = entities(0, 500, random);
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      Random own = new Random(100 + r);
      readers.add(new Thread(() -> {
        long lastCount = 0;
        try {
          while (writing.get()) {
            List<SearchHit> hits = index.search(vector(own, SCHEMA.retrievalDim()), 5,
                EntityFilter.excluding(Set.of("Q1")));
            assertTrue(hits.stream().noneMatch(h -> h.qid().equals("Q1")));
            index.records(List.of("Q2", "Q500"));
            index.rerankFeatures(List.of("Q3"));
            index.lookupByName("entity 4", 3);
            long count = index.count();
            assertTrue(count >= lastCount, "count went back from " + lastCount + " to " + count);
            lastCount = count;
          }
        } catch (Throwable t) {
          failures.add(t);
        }
      }));
    }
    readers.forEach(Thread::start);
    try {
      for (int from = 0; from < all.size(); from += 50) {
        index.upsert(all.subList(from, from + 50));
        index.delete(List.of("Q" + from));
        index.flush();
      }
    } finally {
      writing.set(false);
      for (Thread reader : readers) {
        reader.join();
      }
    }
    assertTrue(failures.isEmpty(), () -> failures.peek().toString());
    assertEquals(490, index.count());
  }

  @Test
  void laterDuplicatesInABatchWinAndWritesAreInvisibleUntilFlushed() {
    Random random = new Random(31);
    EncodedEntity first = entity(1, random);
    EncodedEntity second = new EncodedEntity(
        new EntityRecord("Q1", "Renamed", List.of(), "", ""), first.retrieval(), first.rerank());
    index.upsert(List.of(first, second));
    assertEquals(0, index.count(), "not flushed yet");
    index.flush();
    assertEquals(1, index.count());
    assertEquals("Renamed", index.records(List.of("Q1")).get("Q1").name());
  }

  @Test
  void searchesCoverAllowedEntitiesOnlyAndAllOfThemWhenKIsLarger() {
    Random random = new Random(32);
    index.upsert(entities(0, 400, random));
    index.flush();
    float[] query = vector(random, SCHEMA.retrievalDim());
    assertEquals(400, index.search(query, 1_000, EntityFilter.none()).size());
    assertEquals(398, index.search(query, 1_000, EntityFilter.excluding(Set.of("Q1", "Q2")))
        .size());
    List<SearchHit> both = index.search(query, 10,
        new EntityFilter(Set.of("Q1", "Q2", "Q3"), Set.of("Q2")));
    assertEquals(Set.of("Q1", "Q3"), Set.copyOf(both.stream().map(SearchHit::qid).toList()));
    assertTrue(index.search(query, 10, EntityFilter.only(Set.of())).isEmpty());
    assertTrue(index.search(query, 10, EntityFilter.only(Set.of("Q9999"))).isEmpty());
  }

  @Test
  void emptyIndexesAnswerEmpty() {
    assertEquals(0, index.count());
    assertTrue(index.search(new float[SCHEMA.retrievalDim()], 3, EntityFilter.none()).isEmpty());
    assertTrue(index.records(List.of("Q1")).isEmpty());
    assertTrue(index.lookupByName("anything", 3).isEmpty());
    assertTrue(index.lookupByName("?!", 3).isEmpty(), "a key-less surface matches nothing");
  }

  @Test
  void badArgumentsAreRejectedWithTheFieldAndTheLimit() {
    float[] query = new float[SCHEMA.retrievalDim()];
    String message = assertThrows(IllegalArgumentException.class,
        () -> index.search(new float[3], 5, EntityFilter.none())).getMessage();
    assertTrue(message.contains("query must hold 16 floats") && message.contains("got 3"),
        message);
    message = assertThrows(IllegalArgumentException.class,
        () -> index.search(query, 10_001, EntityFilter.none())).getMessage();
    assertTrue(message.contains("k must be within 1..10000, got 10001"), message);
    query[3] = Float.NaN;
    assertThrows(IllegalArgumentException.class, () -> index.search(query, 1,
        EntityFilter.none()));
    message = assertThrows(IllegalArgumentException.class, () -> index.lookupByName("x", 0))
        .getMessage();
    assertTrue(message.contains("limit must be within 1..10000, got 0"), message);
  }

  @Test
  void aClosedIndexSaysSo() {
    index.close();
    index.close();
    String message = assertThrows(IllegalStateException.class, index::count).getMessage();
    assertTrue(message.contains("EmbeddedEntityIndex[test] is closed"), message);
  }
}
