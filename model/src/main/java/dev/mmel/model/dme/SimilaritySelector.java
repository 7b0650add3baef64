package dev.mmel.model.dme;

import dev.mmel.core.MentionInput;
import dev.mmel.model.bge.BgeFeatures;
import dev.mmel.model.bge.BgeSmallEncoder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DME's embedded selector (the default): the candidate whose "name: description" is most
 * similar to the mention's sentence under bge-small-en-v1.5 (cosine of its sentence
 * embeddings), the real pretrained encoder that ships in a Maven jar. It never abstains: a
 * mention with candidates gets one. Candidate embeddings are kept in a bounded cache, since
 * the same entities come up for many mentions.
 */
public final class SimilaritySelector implements DescriptionSelector, AutoCloseable {
  /** bge v1.5's instruction for a query that retrieves passages. */
  static final String QUERY_INSTRUCTION =
      "Represent this sentence for searching relevant passages: ";
  private static final int CACHED_CANDIDATES = 100_000;

  private final BgeSmallEncoder encoder;
  private final Map<String, float[]> candidateVectors = Collections.synchronizedMap(
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
          return size() > CACHED_CANDIDATES;
        }
      });

  private SimilaritySelector(BgeSmallEncoder encoder) {
    this.encoder = encoder;
  }

  /** Loads bge-small (int8 ONNX, from the classpath) with {@code threads} ONNX threads. */
  public static SimilaritySelector open(int threads) {
    return new SimilaritySelector(BgeSmallEncoder.open(128, threads));
  }

  @Override
  public Selection select(MentionInput mention, List<DescriptionCandidate> candidates,
      Instant deadline) {
    if (candidates.size() == 1) {
      return Selection.of(candidates.get(0), DescriptionSource.SIMILARITY);
    }
    float[] query = encoder.encode(List.of(queryText(mention))).pooled();
    DescriptionCandidate best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (DescriptionCandidate candidate : candidates) {
      double score = dot(query, vector(candidate));
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    return Selection.of(best, DescriptionSource.SIMILARITY);
  }

  static String queryText(MentionInput mention) {
    String context = mention.sentence().isBlank() ? mention.mention() : mention.sentence();
    return QUERY_INSTRUCTION + context;
  }

  static String candidateText(DescriptionCandidate candidate) {
    return candidate.name() + ": " + candidate.description();
  }

  private float[] vector(DescriptionCandidate candidate) {
    String text = candidateText(candidate);
    float[] cached = candidateVectors.get(text);
    if (cached != null) {
      return cached;
    }
    BgeFeatures features = encoder.encode(new ArrayList<>(List.of(text)));
    float[] vector = features.pooled();
    candidateVectors.put(text, vector);
    return vector;
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (double) a[i] * b[i];
    }
    return sum;
  }

  @Override
  public void close() {
    encoder.close();
  }
}
