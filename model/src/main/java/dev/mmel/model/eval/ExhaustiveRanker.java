package dev.mmel.model.eval;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.features.SideBatchSource;
import dev.mmel.model.graph.EvaluationGraph;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Session;

/**
 * Ranks every mention against the whole KB (spec 8: rank = 1 + entities scored strictly higher
 * than the gold), streaming the KB in chunks so memory is bounded by one chunk plus the mentions'
 * encodings. S = F + I with I inside an interval computed for all pairs at once, so a pair whose
 * interval of S lies wholly above or below the gold score is settled without its exact score;
 * every other pair gets its exact S. The ranks are those of exact all-pairs scoring.
 */
public final class ExhaustiveRanker {
  /** Encoding batch for the graph's encoders. */
  private static final int ENCODE_BATCH = 64;
  /** Pairs per exact-scoring call. */
  private static final int PAIR_BATCH = 256;

  /** Ranks, and how many pairs needed the exact score. */
  public record Outcome(int[] ranks, long pairs, long exactPairs) {}

  private final EvaluationGraph graph;
  private final Session session;
  private final SideBatchSource source;
  private final int chunkSize;

  public ExhaustiveRanker(EvaluationGraph graph, Session session, SideBatchSource source,
      int chunkSize) {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("KB chunk size must be >= 1, got " + chunkSize);
    }
    this.graph = graph;
    this.session = session;
    this.source = source;
    this.chunkSize = chunkSize;
  }

  public Outcome rank(List<KbEntity> kb, List<LabelledMention> mentions, ProgressListener progress)
      throws IOException {
    Map<String, Integer> kbIndex = new HashMap<>();
    for (int i = 0; i < kb.size(); i++) {
      kbIndex.put(kb.get(i).qid(), i);
    }
    int[] gold = new int[mentions.size()];
    for (int b = 0; b < mentions.size(); b++) {
      Integer index = kbIndex.get(mentions.get(b).answerQid());
      if (index == null) {
        throw new IllegalArgumentException("mention " + mentions.get(b).sampleId() + ": answer "
            + mentions.get(b).answerQid() + " is not in the KB (readers drop such rows)");
      }
      gold[b] = index;
    }
    progress.step("encoding " + mentions.size() + " mentions");
    EvaluationGraph.Mentions encoded = encodeMentions(mentions);
    progress.step("scoring the gold entities");
    float[] goldScores = goldScores(kb, gold, encoded);
    long[] higher = new long[mentions.size()];
    long exact = 0;
    PairBuffer pending = new PairBuffer(encoded, goldScores, higher);
    for (int start = 0; start < kb.size(); start += chunkSize) {
      int end = Math.min(kb.size(), start + chunkSize);
      EvaluationGraph.Entities chunk = encodeEntities(kb.subList(start, end));
      EvaluationGraph.Screen screen = graph.screen(session, encoded, chunk);
      int n = end - start;
      for (int b = 0; b < mentions.size(); b++) {
        float threshold = goldScores[b];
        for (int j = 0; j < n; j++) {
          if (start + j == gold[b]) {
            continue;
          }
          int pair = b * n + j;
          float f = screen.fast()[pair];
          float margin = margin(f, threshold);
          if (f + screen.lower()[pair] - margin > threshold) {
            higher[b]++;
          } else if (f + screen.upper()[pair] + margin > threshold) {
            exact++;
            pending.add(b, chunk, j);
          }
        }
      }
      pending.flush();
      progress.count(end, kb.size(), "entities");
    }
    int[] ranks = new int[mentions.size()];
    for (int b = 0; b < ranks.length; b++) {
      ranks[b] = Math.toIntExact(1 + higher[b]);
    }
    return new Outcome(ranks, (long) mentions.size() * (kb.size() - 1), exact);
  }

  /** F from a matrix product and F inside S differ by float rounding; never decide inside it. */
  private static float margin(float f, float threshold) {
    return 1e-3f + 1e-5f * (Math.abs(f) + Math.abs(threshold));
  }

  private EvaluationGraph.Mentions encodeMentions(List<LabelledMention> mentions) throws IOException {
    List<EvaluationGraph.Mentions> blocks = new ArrayList<>();
    for (int start = 0; start < mentions.size(); start += ENCODE_BATCH) {
      int end = Math.min(mentions.size(), start + ENCODE_BATCH);
      blocks.add(graph.encodeMentions(session, source.mentions(mentions.subList(start, end))));
    }
    return EvaluationGraph.Mentions.concat(blocks);
  }

  private EvaluationGraph.Entities encodeEntities(List<KbEntity> entities) throws IOException {
    List<EvaluationGraph.Entities> blocks = new ArrayList<>();
    for (int start = 0; start < entities.size(); start += ENCODE_BATCH) {
      int end = Math.min(entities.size(), start + ENCODE_BATCH);
      blocks.add(graph.encodeEntities(session, source.entities(entities.subList(start, end))));
    }
    return EvaluationGraph.Entities.concat(blocks);
  }

  private float[] goldScores(List<KbEntity> kb, int[] gold,
      EvaluationGraph.Mentions mentions)
      throws IOException {
    float[] scores = new float[gold.length];
    for (int start = 0; start < gold.length; start += PAIR_BATCH) {
      int end = Math.min(gold.length, start + PAIR_BATCH);
      List<KbEntity> entities = new ArrayList<>();
      for (int b = start; b < end; b++) {
        entities.add(kb.get(gold[b]));
      }
      EvaluationGraph.Entities encoded = encodeEntities(entities);
      int[] rows = new int[end - start];
      int first = start;
      Arrays.setAll(rows, i -> first + i);
      float[] s = graph.pairScores(session, mentions.select(rows), encoded);
      System.arraycopy(s, 0, scores, start, s.length);
    }
    return scores;
  }

  /** Undecided pairs waiting for their exact score. */
  private final class PairBuffer {
    private final EvaluationGraph.Mentions mentions;
    private final float[] goldScores;
    private final long[] higher;
    private final int[] mentionRows = new int[PAIR_BATCH];
    private final int[] entityRows = new int[PAIR_BATCH];
    private EvaluationGraph.Entities chunk;
    private int size;

    PairBuffer(EvaluationGraph.Mentions mentions, float[] goldScores, long[] higher) {
      this.mentions = mentions;
      this.goldScores = goldScores;
      this.higher = higher;
    }

    void add(int mention, EvaluationGraph.Entities from, int entityRow) {
      if (chunk != from) {
        flush();
        chunk = from;
      }
      mentionRows[size] = mention;
      entityRows[size] = entityRow;
      size++;
      if (size == PAIR_BATCH) {
        flush();
      }
    }

    void flush() {
      if (size == 0) {
        return;
      }
      int[] m = Arrays.copyOf(mentionRows, size);
      float[] s = graph.pairScores(session, mentions.select(m),
          chunk.select(Arrays.copyOf(entityRows, size)));
      for (int i = 0; i < size; i++) {
        if (s[i] > goldScores[m[i]]) {
          higher[m[i]]++;
        }
      }
      size = 0;
    }
  }
}
