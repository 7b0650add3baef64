package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.runtime.EntityEncodings;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.ClipTokenizer;
import dev.mmel.model.text.LinkingTexts;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.milvus.LocalMilvus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full build into a real Milvus server (started by infra/milvus.sh unless one runs): two
 * sink instances writing concurrently, the build published through the alias, and every indexed
 * vector equal to a direct encoding.
 */
class EntityEmbeddingJobMilvusIT {
  private static final int ENTITIES = 30;

  @TempDir
  Path dir;

  @Test
  void buildsIntoMilvusAndPublishesThroughTheAlias() throws Exception {
    Path model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 9, model);
    WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
    List<KbEntity> entities = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (String qid : wikimel.names().keySet().stream().sorted().limit(ENTITIES).toList()) {
      KbEntity entity = new KbEntity(qid, wikimel.name(qid), List.of(), wikimel.abstractOf(qid),
          null);
      entities.add(entity);
      lines.add(KbJsonl.toLine(entity));
    }
    Path kb = Files.write(dir.resolve("kb.jsonl"), lines);
    String vocab = SharedData.file(SharedData.CLIP_VOCAB).toString();
    try (LocalMilvus milvus = LocalMilvus.acquire(repositoryRoot())) {
      MilvusTarget target = new MilvusTarget(milvus.uri(), "it" + System.nanoTime() % 1_000_000);
      EntityEmbeddingJob.Settings settings = new EntityEmbeddingJob.Settings(List.of(kb),
          new EncoderSettings(model.toString(), vocab, 8, 1, "cpu"), target, "milvus_build", 2,
          Duration.ofMillis(500), 8, dir.resolve("malformed.txt"));
      EntityEmbeddingJob.Outcome outcome = EntityEmbeddingJob.run(
          EntityEmbeddingJob.localEnvironment(2), settings, (d, t) -> { });
      assertEquals(ENTITIES, outcome.encoded());
      try (EntityIndexStore store = target.open();
          EntityIndex live = store.openLive();
          MmoeModel mmoe = MmoeModel.load(model, SessionSettings.defaults())) {
        assertEquals("milvus_build", store.liveBuildId().orElseThrow());
        assertEquals(ENTITIES, live.count());
        List<String> texts = entities.stream()
            .map(e -> LinkingTexts.entity(e.name(), e.description())).toList();
        EntityEncodings direct = mmoe.encodeEntities(
            ClipTokenizer.load(Path.of(vocab)).encodeBatch(texts, mmoe.config().contextLength()),
            null);
        for (int i = 0; i < ENTITIES; i++) {
          float[] vector = direct.rows(i, i + 1).retrieval();
          double selfDot = 0;
          for (float v : vector) {
            selfDot += v * v;
          }
          String qid = entities.get(i).qid();
          var hit = live.search(vector, 1, EntityFilter.only(Set.of(qid))).get(0);
          assertEquals(qid, hit.qid());
          assertEquals(selfDot, hit.score(), 1e-4 * selfDot, qid + " retrieval vector");
        }
      }
    }
  }

  private static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("infra/milvus.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("infra/milvus.sh not found above " + Path.of("")
        .toAbsolutePath());
  }
}
