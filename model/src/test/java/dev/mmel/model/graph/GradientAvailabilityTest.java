package dev.mmel.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.tensor.TensorCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * TensorFlow's C API lacks gradients for some ops (TopKV2, ArgMax, ...). Training needs every
 * weight to get one through the scores, so this builds d(sum of S)/d(weight) for the in-batch
 * all-pairs score in both gate modes and checks each is present and finite.
 */
class GradientAvailabilityTest {

  @Test
  void everyTrainedWeightHasAGradientInBothGateModes() {
    for (GateMode mode : GateMode.values()) {
      ModelConfig tiny = ModelPresets.get(ModelPresets.TINY);
      ModelConfig config = tiny.withMatcher(tiny.matcher().withGateMode(mode));
      Gating gating = mode == GateMode.FAITHFUL ? Gating.FAITHFUL_BATCH : Gating.PER_TOKEN;
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph);
        ModelParameters params = ModelParameters.create(tf, ParameterLayout.of(config));
        MmoeGraph.Builder builder = new MmoeGraph.Builder(tf, config, params);
        Placeholder<TInt32> mIds = builder.textIds("m_ids");
        Placeholder<TFloat32> mPix = builder.pixels("m_pix");
        Placeholder<TInt32> eIds = builder.textIds("e_ids");
        Placeholder<TFloat32> ePix = builder.pixels("e_pix");
        Operand<TFloat32> loss = tf.reduceSum(
            builder.scorePairs(mIds, mPix, eIds, ePix, gating).total(), tf.constant(new int[] {0, 1}));
        List<String> names = new ArrayList<>();
        List<Output<?>> weights = new ArrayList<>();
        for (Map.Entry<String, Variable<TFloat32>> entry : params.variables().entrySet()) {
          if (trained(entry.getKey(), config)) {
            names.add(entry.getKey());
            weights.add(entry.getValue().asOutput());
          }
        }
        Output<?>[] gradients = graph.addGradients(loss.asOutput(), weights.toArray(Output<?>[]::new));
        try (Session session = new Session(graph)) {
          TestWeights.loadNoisy(session, params, config, 1);
          Random random = new Random(1);
          try (TInt32 mi = TestInputs.ids(random, 3, config);
              TFloat32 mp = TestInputs.pixels(random, 3, config, true);
              TInt32 ei = TestInputs.ids(random, 4, config);
              TFloat32 ep = TestInputs.pixels(random, 4, config, true)) {
            Session.Runner runner =
                session.runner().feed(mIds, mi).feed(mPix, mp).feed(eIds, ei).feed(ePix, ep);
            for (int i = 0; i < gradients.length; i++) {
              assertNotNull(gradients[i], mode + ": no gradient for " + names.get(i));
              runner.fetch(gradients[i]);
            }
            try (Result result = runner.run()) {
              assertEquals(names.size(), result.size());
              for (int i = 0; i < result.size(); i++) {
                float[] values = TestInputs.read(result.get(i));
                boolean any = false;
                for (float v : values) {
                  assertTrue(Float.isFinite(v), mode + ": non-finite gradient for " + names.get(i));
                  any |= v != 0;
                }
                // Faithful mode fires only expert columns below k (spec 4): experts >= k of every
                // unit never contribute, so exactly their weights get zero gradients.
                boolean silent = mode == GateMode.FAITHFUL
                    && expertIndex(names.get(i)) >= config.matcher().topK();
                assertEquals(!silent, any, mode + ": gradient of " + names.get(i));
              }
            }
          }
        }
      }
    }
  }

  /**
   * A text-only BERT model: every tower and matcher weight gets a gradient, except the image
   * projections' weights, which multiply the all-zero image features, and the vision unit's
   * experts that neither of its two constant input rows routes to (see ModelConfig).
   */
  @Test
  void everyBertTowerWeightHasAGradientAndTheImageProjectionWeightsNone() {
    ModelConfig config = ModelPresets.get(ModelPresets.TINY_BERT);
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      ModelParameters params = ModelParameters.create(tf, ParameterLayout.of(config));
      MmoeGraph.Builder builder = new MmoeGraph.Builder(tf, config, params);
      Placeholder<TInt32> mIds = builder.textIds("m_ids");
      Placeholder<TInt32> eIds = builder.textIds("e_ids");
      Operand<TFloat32> loss = tf.reduceSum(
          builder.scorePairs(mIds, null, eIds, null, Gating.PER_TOKEN).total(),
          tf.constant(new int[] {0, 1}));
      List<String> names = new ArrayList<>();
      List<Output<?>> weights = new ArrayList<>();
      for (Map.Entry<String, Variable<TFloat32>> entry : params.variables().entrySet()) {
        if (trained(entry.getKey(), config)) {
          names.add(entry.getKey());
          weights.add(entry.getValue().asOutput());
        }
      }
      Output<?>[] gradients = graph.addGradients(loss.asOutput(), weights.toArray(Output<?>[]::new));
      try (Session session = new Session(graph)) {
        TestWeights.loadNoisy(session, params, config, 1);
        Random random = new Random(2);
        try (TInt32 mi = TensorCodec.ids(wordPieceRows(random, 3, config), 50);
            TInt32 ei = TensorCodec.ids(wordPieceRows(random, 4, config), 50)) {
          Session.Runner runner = session.runner().feed(mIds, mi).feed(eIds, ei);
          for (int i = 0; i < gradients.length; i++) {
            assertNotNull(gradients[i], "no gradient for " + names.get(i));
            runner.fetch(gradients[i]);
          }
          try (Result result = runner.run()) {
            for (int i = 0; i < result.size(); i++) {
              boolean any = false;
              for (float v : TestInputs.read(result.get(i))) {
                assertTrue(Float.isFinite(v), "non-finite gradient for " + names.get(i));
                any |= v != 0;
              }
              boolean silent = names.get(i).equals(ParameterNames.IMAGE_CLS_FC + ".weight")
                  || names.get(i).equals(ParameterNames.IMAGE_TOKENS_FC + ".weight");
              boolean routedByConstants =
                  names.get(i).startsWith(ParameterNames.VISION_UNIT + "moe_layer.experts.");
              if (!routedByConstants) {
                assertEquals(!silent, any, "gradient of " + names.get(i));
              }
            }
          }
        }
      }
    }
  }

  /** [CLS], random word pieces, [SEP], then zeros. */
  private static int[][] wordPieceRows(Random random, int n, ModelConfig config) {
    int[][] rows = new int[n][config.contextLength()];
    for (int[] row : rows) {
      int tokens = 1 + random.nextInt(config.contextLength() - 2);
      row[0] = 101;
      for (int j = 1; j <= tokens; j++) {
        row[j] = 1000 + random.nextInt(29000);
      }
      row[tokens + 1] = 102;
    }
    return rows;
  }

  /** The expert index in a name like {@code ...moe_layer.experts.3.ff.2.bias}, else -1. */
  private static int expertIndex(String name) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("moe_layer\\.experts\\.(\\d+)\\.").matcher(name);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Weights the loss depends on: not logit_scale, the unused context LayerNorm, nor statistics. */
  private static boolean trained(String name, ModelConfig config) {
    return !name.equals(ParameterNames.LOGIT_SCALE)
        && !name.startsWith(ParameterNames.CROSS_UNIT + "context_layer_norm")
        && ParameterLayout.of(config).spec(name).group() != ParameterGroup.GATE_STATISTICS;
  }
}
