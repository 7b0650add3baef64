package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.EntityInput;
import dev.mmel.core.ImageInput;
import dev.mmel.core.InvalidInputException;
import dev.mmel.core.PreparedInput;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** What every index job test checks at the end, and the real entities they index. */
public final class IndexAssertions {
  private IndexAssertions() {}

  /** The first {@code n} WikiMEL entities by QID, with their names and abstracts, no images. */
  public static List<KbEntity> wikiMelEntities(int n) throws IOException {
    WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
    List<KbEntity> entities = new ArrayList<>();
    for (String qid : wikimel.names().keySet().stream().sorted().limit(n).toList()) {
      entities.add(new KbEntity(qid, wikimel.name(qid), List.of(), wikimel.abstractOf(qid),
          null));
    }
    return entities;
  }

  /**
   * The index holds exactly {@code expected} (no more, no duplicates), written by {@code model},
   * each with its record, and each entity's retrieval vector and every rerank feature equal, element
   * by element, to a direct encoding by the model (within float rounding for the vector, which
   * is stored as float32, and half-float rounding for the rerank features, stored as fp16).
   */
  public static void assertHoldsExactEncodings(EntityIndex live, Path model,
      List<KbEntity> expected) throws Exception {
    int n = expected.size();
    try (MmoeModel mmoe = MmoeModel.load(model, SessionSettings.defaults())) {
      assertEquals(n, live.count(), "exactly the KB's entities, no duplicates");
      assertEquals(mmoe.version(), live.modelVersion());
      List<PreparedInput> prepared = new ArrayList<>();
      for (KbEntity e : expected) {
        EntityInput withImage = new EntityInput(e.name(), e.description(),
            e.imagePath() == null ? ImageInput.none() : ImageInput.file(Path.of(e.imagePath())));
        try {
          prepared.add(mmoe.prepareEntity(withImage));
        } catch (InvalidInputException unreadable) {
          // The job encodes an entity whose image cannot be read without one.
          prepared.add(mmoe.prepareEntity(new EntityInput(e.name(), e.description(),
              ImageInput.none())));
        }
      }
      EntityEncodings direct = mmoe.encodeEntities(prepared);
      List<String> qids = expected.stream().map(KbEntity::qid).toList();
      Map<String, EncodedEntity> stored = live.entities(qids);
      assertEquals(Set.copyOf(qids), stored.keySet(), "every entity is read back");
      for (int i = 0; i < n; i++) {
        String qid = qids.get(i);
        EncodedEntity want = EncodedEntity.of(expected.get(i).toRecord(), direct, i);
        EncodedEntity got = stored.get(qid);
        assertEquals(want.record(), got.record(), qid + " record");
        assertElementsEqual(want.retrieval(), got.retrieval(), 1e-4, qid + ".retrieval");
        assertElementsEqual(want.rerank().textC(), got.rerank().textC(), 2e-3, qid + ".text_c");
        assertElementsEqual(want.rerank().textQuery(), got.rerank().textQuery(), 2e-3,
            qid + ".text_query");
        assertElementsEqual(want.rerank().imageC(), got.rerank().imageC(), 2e-3,
            qid + ".image_c");
        assertElementsEqual(want.rerank().imageQuery(), got.rerank().imageQuery(), 2e-3,
            qid + ".image_query");
      }
    }
  }

  private static void assertElementsEqual(float[] expected, float[] actual, double relative,
      String what) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int j = 0; j < expected.length; j++) {
      assertEquals(expected[j], actual[j], relative * Math.max(1, Math.abs(expected[j])),
          what + "[" + j + "]");
    }
  }

  /** Waits until the live index satisfies {@code done}, reopened each time, for up to 90 s. */
  public static void awaitLive(EntityIndexStore store, Predicate<EntityIndex> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      try (EntityIndex live = store.openLive()) {
        if (done.test(live)) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the refresh was not applied within 90 s");
      }
      Thread.sleep(250);
    }
  }
}
