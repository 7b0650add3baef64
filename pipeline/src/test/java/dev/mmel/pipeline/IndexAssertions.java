package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.runtime.EntityEncodings;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.ClipTokenizer;
import dev.mmel.model.text.LinkingTexts;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.RerankFeatures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** What every index job test checks at the end, and the real entities they index. */
final class IndexAssertions {
  private IndexAssertions() {}

  /** The first {@code n} WikiMEL entities by QID, with their names and abstracts, no images. */
  static List<KbEntity> wikiMelEntities(int n) throws IOException {
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
   * and each entity's retrieval vector and text rerank features equal a direct encoding.
   */
  static void assertHoldsExactEncodings(EntityIndex live, Path model, List<KbEntity> expected)
      throws Exception {
    int n = expected.size();
    try (MmoeModel mmoe = MmoeModel.load(model, SessionSettings.defaults())) {
      ClipTokenizer tokenizer = ClipTokenizer.load(SharedData.file(SharedData.CLIP_VOCAB),
          mmoe.config().preprocessing().text());
      ImagePreprocessor images = ImagePreprocessor.forConfig(mmoe.config());
      assertEquals(n, live.count(), "exactly the KB's entities, no duplicates");
      assertEquals(mmoe.version(), live.modelVersion());
      List<String> texts = new ArrayList<>();
      float[][] pixels = new float[n][];
      for (int i = 0; i < n; i++) {
        KbEntity e = expected.get(i);
        texts.add(LinkingTexts.entity(e.name(), e.description()));
        if (e.imagePath() != null && Files.exists(Path.of(e.imagePath()))) {
          pixels[i] = images.preprocess(Path.of(e.imagePath()));
        }
      }
      EntityEncodings direct = mmoe.encodeEntities(
          tokenizer.encodeBatch(texts, mmoe.config().contextLength()), pixels);
      List<String> qids = expected.stream().map(KbEntity::qid).toList();
      Map<String, RerankFeatures> stored = live.rerankFeatures(qids);
      for (int i = 0; i < n; i++) {
        String qid = qids.get(i);
        float[] vector = direct.rows(i, i + 1).retrieval();
        var hits = live.search(vector, 1, EntityFilter.only(Set.of(qid)));
        assertEquals(qid, hits.get(0).qid());
        double selfDot = 0;
        for (float v : vector) {
          selfDot += v * v;
        }
        assertEquals(selfDot, hits.get(0).score(), 1e-4 * selfDot, qid + " retrieval vector");
        float[] textQuery = direct.rows(i, i + 1).textQuery();
        float[] storedQuery = stored.get(qid).textQuery();
        for (int j = 0; j < textQuery.length; j++) {
          assertEquals(textQuery[j], storedQuery[j], 2e-3 * Math.max(1, Math.abs(textQuery[j])),
              qid + " text_query[" + j + "]");
        }
      }
    }
  }

  /** Waits until the live index satisfies {@code done}, reopened each time, for up to 90 s. */
  static void awaitLive(EntityIndexStore store, Predicate<EntityIndex> done) throws Exception {
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
