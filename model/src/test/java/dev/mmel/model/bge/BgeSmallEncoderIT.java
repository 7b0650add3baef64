package dev.mmel.model.bge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link BgeSmallEncoder} on real WikiMEL texts, against langchain4j's own bge-small-en-v1.5-q
 * model as an independent reference: its embedding is the L2-normalised [CLS] final hidden state
 * of the unpadded text (PoolingMode.CLS), run one text at a time, tokenized by DJL's binding of
 * Hugging Face tokenizers. It splits texts longer than 510 tokens and averages the parts, so only
 * texts that fit in {@link #POSITIONS} are compared.
 */
class BgeSmallEncoderIT {
  private static final int POSITIONS = 64;
  private static final int COMPARED = 400;
  private static final int BATCH = 32;
  private static final int WIDTH = BgeSmallEncoder.WIDTH;

  private static BgeSmallEncoder encoder;
  private static List<String> texts;

  @BeforeAll
  static void setUp() throws Exception {
    encoder = BgeSmallEncoder.open(POSITIONS, 2);
    List<String> candidates = BgeTexts.entityTexts().subList(0, 2_000);
    candidates.addAll(BgeTexts.sentencesAndMentions().subList(0, 2_000));
    texts = new ArrayList<>();
    for (int i = 0; i < candidates.size() && texts.size() < COMPARED; i += 7) {
      int length = encoder.tokenizer().encode(candidates.get(i)).length;
      if (length <= POSITIONS && length > 2) {
        texts.add(candidates.get(i));
      }
    }
    assertEquals(COMPARED, texts.size(), "not enough WikiMEL texts of at most " + POSITIONS + " tokens");
  }

  @AfterAll
  static void tearDown() {
    if (encoder != null) {
      encoder.close();
    }
  }

  @Test
  void pooledVectorsEqualLangchain4jsEmbeddings() {
    BgeSmallEnV15QuantizedEmbeddingModel reference = new BgeSmallEnV15QuantizedEmbeddingModel();
    double worst = 1;
    for (int from = 0; from < texts.size(); from += BATCH) {
      List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
      BgeFeatures features = encoder.encode(batch);
      for (int i = 0; i < batch.size(); i++) {
        float[] expected = reference.embed(batch.get(i)).content().vector();
        worst = Math.min(worst, cosine(expected, features.pooled(), i * WIDTH));
      }
    }
    System.out.printf("BgeSmallEncoderIT: %d WikiMEL texts, worst cosine to langchain4j %.8f%n", texts.size(), worst);
    assertTrue(worst > 0.9999, "worst cosine to langchain4j's embedding " + worst);
  }

  @Test
  void shapesPooledVectorsAndZeroPadRows() {
    String longText = texts.stream().filter(t -> encoder.tokenizer().encode(t).length > 30).findFirst().orElseThrow();
    List<String> batch = List.of("Stefanie Powers", "", longText);
    try (BgeSmallEncoder shortEncoder = BgeSmallEncoder.open(16, 1)) {
      BgeFeatures features = shortEncoder.encode(batch);
      assertEquals(3, features.count());
      assertEquals(16, features.positions());
      assertEquals(WIDTH, features.width());
      assertEquals(3 * WIDTH, features.pooled().length);
      assertEquals(3 * 16 * WIDTH, features.tokens().length);
      int[] lengths = {5, 2, 16};
      for (int row = 0; row < 3; row++) {
        assertEquals(lengths[row], shortEncoder.tokenizer().encode(batch.get(row), 16).length);
        float[] cls = Arrays.copyOfRange(features.tokens(), row * 16 * WIDTH, row * 16 * WIDTH + WIDTH);
        assertEquals(1, cosine(cls, features.pooled(), row * WIDTH), 1e-6);
        assertEquals(1, norm(features.pooled(), row * WIDTH), 1e-5);
        for (int p = 0; p < 16; p++) {
          double rowNorm = norm(features.tokens(), (row * 16 + p) * WIDTH);
          assertTrue(p < lengths[row] ? rowNorm > 1 : rowNorm == 0,
              "text " + row + " position " + p + " (length " + lengths[row] + ") has norm " + rowNorm);
        }
      }
    }
  }

  @Test
  void aTextsFeaturesDependNeitherOnItsBatchNorOnThePositionsItFits() {
    String text = texts.get(3);
    BgeFeatures alone = encoder.encode(List.of(text));
    BgeFeatures inBatch = encoder.encode(texts.subList(0, 8));
    int length = encoder.tokenizer().encode(text).length;
    assertArrayEquals(alone.pooled(), Arrays.copyOfRange(inBatch.pooled(), 3 * WIDTH, 4 * WIDTH));
    assertArrayEquals(alone.tokens(), Arrays.copyOfRange(inBatch.tokens(), 3 * POSITIONS * WIDTH, 4 * POSITIONS * WIDTH));
    try (BgeSmallEncoder exact = BgeSmallEncoder.open(length, 1)) {
      BgeFeatures tight = exact.encode(List.of(text));
      assertArrayEquals(tight.pooled(), alone.pooled(), 1e-5f);
      assertArrayEquals(tight.tokens(), Arrays.copyOf(alone.tokens(), length * WIDTH), 1e-4f);
    }
  }

  @Test
  void concurrentCallsGiveTheSequentialResults() throws Exception {
    List<List<String>> batches = new ArrayList<>();
    for (int from = 0; from < 96; from += 8) {
      batches.add(texts.subList(from, from + 8));
    }
    List<float[]> sequential = new ArrayList<>();
    for (List<String> batch : batches) {
      sequential.add(encoder.encode(batch).tokens());
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> futures = new ArrayList<>();
      for (List<String> batch : batches) {
        futures.add(pool.submit(() -> encoder.encode(batch).tokens()));
      }
      for (int i = 0; i < batches.size(); i++) {
        assertArrayEquals(sequential.get(i), futures.get(i).get(), "batch " + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void modelIdIsTheHashOfThePinnedWeights() {
    assertEquals("bge-small-en-v1.5-q@6c9c6101a956d62d", encoder.modelId());
    assertEquals(POSITIONS, encoder.positions());
  }

  @Test
  void badArgumentsAndUseAfterCloseFailClearly() {
    assertThrows(IllegalArgumentException.class, () -> BgeSmallEncoder.open(1, 1));
    assertThrows(IllegalArgumentException.class, () -> BgeSmallEncoder.open(513, 1));
    assertThrows(IllegalArgumentException.class, () -> BgeSmallEncoder.open(8, 0));
    assertThrows(IllegalArgumentException.class, () -> encoder.encode(List.of()));
    IllegalArgumentException nullText = assertThrows(IllegalArgumentException.class,
        () -> encoder.encode(Arrays.asList("a", null)));
    assertTrue(nullText.getMessage().contains("text 1 of 2"), nullText.getMessage());
    BgeSmallEncoder closed = BgeSmallEncoder.open(8, 1);
    closed.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> closed.encode(List.of("a")));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }

  private static double norm(float[] values, int offset) {
    double squares = 0;
    for (int d = 0; d < WIDTH; d++) {
      squares += (double) values[offset + d] * values[offset + d];
    }
    return Math.sqrt(squares);
  }

  private static double cosine(float[] expected, float[] actual, int offset) {
    double dot = 0;
    for (int d = 0; d < WIDTH; d++) {
      dot += (double) expected[d] * actual[offset + d];
    }
    return dot / (norm(expected, 0) * norm(actual, offset));
  }
}
