package dev.mmel.serving.dme;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.dme.DescriptionCandidate;
import dev.mmel.model.dme.DescriptionCandidates;
import dev.mmel.model.dme.KbDescriptionCandidates;
import dev.mmel.model.dme.SurfaceMatch;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving's DME candidates, read from a real embedded index, against the KB's candidates that
 * prepared the training data: the same entities in the same order, so both choose alike.
 */
class IndexDescriptionCandidatesTest {
  private static final IndexSchema SCHEMA = new IndexSchema(4, 2, 1, 1);
  private static final List<String> SURFACES = List.of("powers", "Federkiewicz", "Fred", "john",
      "JOHN SMITH 7", "fitzgerald", "nobody", "?!");

  private static List<KbEntity> kb() {
    List<KbEntity> kb = new java.util.ArrayList<>(List.of(
        new KbEntity("Q9", "Stefanie Powers", List.of("Stefania Federkiewicz"), "actress", ""),
        new KbEntity("Q2", "Austin Powers", List.of(), "film character", ""),
        new KbEntity("Q7", "Fred (footballer, born 1979)", List.of(), "footballer", ""),
        new KbEntity("Q8", "Fred Astaire", List.of(), "", ""),
        new KbEntity("Q3", "John Fitzgerald Kennedy", List.of(), "president", "")));
    // More Johns than DME looks at, written in an order that is not the QIDs'.
    IntStream.range(0, 40).map(i -> 39 - i).forEach(i -> kb.add(
        new KbEntity("Q1" + i, "John Smith " + i, List.of(), "person " + i, "")));
    return kb;
  }

  private static EncodedEntity encoded(KbEntity entity) {
    return new EncodedEntity(new EntityRecord(entity.qid(), entity.name(), entity.aliases(),
        entity.description(), ""), new float[] {1, 0, 0, 0},
        new RerankFeatures(new float[2], new float[2], new float[2], new float[2]));
  }

  private static List<String> qids(DescriptionCandidates candidates, String surface) {
    return candidates.forSurface(surface, 32).stream().map(DescriptionCandidate::qid).toList();
  }

  @Test
  void theIndexOffersWhatTheKbOffersForEveryMatch(@TempDir Path dir) throws Exception {
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(dir)) {
      try (EntityIndex build = store.openBuild("b1", "mmoe-0123456789abcdef", SCHEMA)) {
        build.upsert(kb().stream().map(IndexDescriptionCandidatesTest::encoded).toList());
        build.flush();
      }
      store.publish("b1", dev.mmel.retriever.PublishPolicy.forced());
      try (EntityIndex live = store.openLive()) {
        for (SurfaceMatch match : SurfaceMatch.values()) {
          DescriptionCandidates served = new IndexDescriptionCandidates(live, match);
          DescriptionCandidates prepared = new KbDescriptionCandidates(kb(), match);
          for (String surface : SURFACES) {
            assertEquals(qids(prepared, surface), qids(served, surface), match + " " + surface);
          }
        }
        DescriptionCandidates partial = new IndexDescriptionCandidates(live, SurfaceMatch.PARTIAL);
        assertEquals(List.of("Q7"), qids(partial, "Fred"));
        assertEquals(32, qids(partial, "john").size());
        assertEquals("Q10", qids(partial, "john").get(0));
        assertEquals(List.of(), qids(new IndexDescriptionCandidates(live, SurfaceMatch.EXACT),
            "Fred"));
      }
    }
  }
}
