package dev.mmel.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The gate modes of spec 4 against a plain-Java restatement of them: top-k by a stable sort
 * (ties to the lower expert index, like torch.topk on CPU), the faithful scatter of choice
 * indices onto sequence positions, and the batch-mean division.
 */
class GateTest {
  private static final int ITEMS = 5;
  private static final int POSITIONS = 9;
  private static final int EXPERTS = 4;

  @Test
  void perTokenKeepsTopKRenormalised() {
    for (int k = 1; k <= EXPERTS; k++) {
      float[][][] p = probabilities(new Random(k), true);
      float[] actual = run(p, k, Gating.PER_TOKEN, null);
      float[] expected = flatten(perTokenReference(p, k));
      assertArrayClose(expected, actual, 1e-6, "per-token k=" + k);
    }
  }

  @Test
  void faithfulMatchesReferenceScatterAndBatchMean() {
    for (int k = 1; k <= EXPERTS; k++) {
      for (boolean ties : new boolean[] {false, true}) {
        float[][][] p = probabilities(new Random(31 * k + (ties ? 1 : 0)), ties);
        float[] actual = run(p, k, Gating.FAITHFUL_BATCH, null);
        assertArrayClose(flatten(faithfulReference(p, k, null)), actual, 1e-5,
            "faithful k=" + k + " ties=" + ties);
      }
    }
  }

  @Test
  void faithfulLeavesPositionsFromExpertsAndChoicesFromKExactlyZero() {
    int k = 3;
    float[][][] p = probabilities(new Random(3), false);
    for (Gating gating : new Gating[] {Gating.FAITHFUL_BATCH, Gating.FAITHFUL_FROZEN}) {
      float[] g = run(p, k, gating, frozenMean(new Random(9)));
      int nonZero = 0;
      for (int i = 0; i < ITEMS; i++) {
        for (int s = 0; s < POSITIONS; s++) {
          for (int c = 0; c < EXPERTS; c++) {
            float value = g[(i * POSITIONS + s) * EXPERTS + c];
            if (s >= EXPERTS || c >= k) {
              assertEquals(0f, value, gating + " at item " + i + " position " + s + " expert " + c);
            } else if (value != 0f) {
              nonZero++;
            }
          }
        }
      }
      assertEquals(true, nonZero > ITEMS, gating + ": the first positions carry weight");
    }
  }

  @Test
  void frozenMeanReplacesBatchMeanAndMakesItemsIndependent() {
    int k = 2;
    float[][][] p = probabilities(new Random(4), false);
    float[][] mean = frozenMean(new Random(5));
    float[] all = run(p, k, Gating.FAITHFUL_FROZEN, mean);
    assertArrayClose(flatten(faithfulReference(p, k, mean)), all, 1e-5, "frozen");
    float[] firstAlone = run(new float[][][] {p[0]}, k, Gating.FAITHFUL_FROZEN, mean);
    assertArrayClose(Arrays.copyOf(all, firstAlone.length), firstAlone, 0, "item 0 alone");
  }

  private static float[] run(float[][][] p, int k, Gating gating, float[][] frozenMean) {
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> input = tf.placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, POSITIONS, EXPERTS)));
      SwitchMoe moe = new SwitchMoe(new Layers(tf, null, 1e-5), "unit.", EXPERTS, k, POSITIONS,
          32);
      Operand<TFloat32> mean = frozenMean == null ? null : tf.constant(frozenMean);
      Operand<TFloat32> gates = moe.gates(input, gating, mean);
      try (TFloat32 in = TFloat32.tensorOf(Shape.of(p.length, POSITIONS, EXPERTS));
          Result result = fill(in, p, session.runner().feed(input, in).fetch(gates))) {
        return TestInputs.read(result.get(0));
      }
    }
  }

  private static Result fill(TFloat32 tensor, float[][][] p, Session.Runner runner) {
    tensor.asRawTensor().data().asFloats().write(flatten(p));
    return runner.run();
  }

  /** Softmax-like rows; with ties, values are coarsely quantised so equal maxima occur. */
  private static float[][][] probabilities(Random random, boolean ties) {
    float[][][] p = new float[ITEMS][POSITIONS][EXPERTS];
    for (float[][] item : p) {
      for (float[] row : item) {
        float sum = 0;
        for (int c = 0; c < EXPERTS; c++) {
          row[c] = ties ? 1 + random.nextInt(3) : (float) Math.exp(random.nextGaussian());
          sum += row[c];
        }
        for (int c = 0; c < EXPERTS; c++) {
          row[c] /= sum;
        }
      }
    }
    return p;
  }

  private static float[][] frozenMean(Random random) {
    float[][] mean = new float[POSITIONS][EXPERTS];
    for (float[] row : mean) {
      for (int c = 0; c < EXPERTS; c++) {
        row[c] = 0.05f + random.nextFloat();
      }
    }
    return mean;
  }

  private static int[] topK(float[] row, int k) {
    return IntStream.range(0, row.length).boxed()
        .sorted(Comparator.comparingDouble((Integer c) -> -row[c]).thenComparingInt(c -> c))
        .limit(k).mapToInt(Integer::intValue).toArray();
  }

  private static float[][][] perTokenReference(float[][][] p, int k) {
    float[][][] g = new float[p.length][POSITIONS][EXPERTS];
    for (int i = 0; i < p.length; i++) {
      for (int s = 0; s < POSITIONS; s++) {
        int[] top = topK(p[i][s], k);
        float sum = 0;
        for (int c : top) {
          sum += p[i][s][c];
        }
        for (int c : top) {
          g[i][s][c] = p[i][s][c] / sum;
        }
      }
    }
    return g;
  }

  /** The reference: mask.scatter_(seq_dim, topk_indices, 1), then n Q / (sum_i Q + 1e-6). */
  private static float[][][] faithfulReference(float[][][] p, int k, float[][] frozenMean) {
    int n = p.length;
    float[][][] q = new float[n][POSITIONS][EXPERTS];
    for (int i = 0; i < n; i++) {
      float[][] mask = new float[POSITIONS][EXPERTS];
      for (int s = 0; s < POSITIONS; s++) {
        int[] top = topK(p[i][s], k);
        for (int c = 0; c < k; c++) {
          mask[top[c]][c] = 1;
        }
      }
      for (int s = 0; s < POSITIONS; s++) {
        for (int c = 0; c < EXPERTS; c++) {
          q[i][s][c] = p[i][s][c] * mask[s][c];
        }
      }
    }
    float[][][] g = new float[n][POSITIONS][EXPERTS];
    for (int s = 0; s < POSITIONS; s++) {
      for (int c = 0; c < EXPERTS; c++) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
          sum += q[i][s][c];
        }
        for (int i = 0; i < n; i++) {
          double value = frozenMean == null
              ? n * q[i][s][c] / (sum + 1e-6)
              : q[i][s][c] / (frozenMean[s][c] + 1e-6 / 32);
          g[i][s][c] = Double.isNaN(value) ? 0 : (float) value;
        }
      }
    }
    return g;
  }

  private static float[] flatten(float[][][] values) {
    float[] flat = new float[values.length * POSITIONS * EXPERTS];
    int at = 0;
    for (float[][] item : values) {
      for (float[] row : item) {
        System.arraycopy(row, 0, flat, at, row.length);
        at += row.length;
      }
    }
    return flat;
  }

  private static void assertArrayClose(float[] expected, float[] actual, double tolerance,
      String what) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tolerance, what + " at " + i);
    }
  }
}
