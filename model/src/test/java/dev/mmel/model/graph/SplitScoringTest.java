package dev.mmel.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.Activation;
import dev.mmel.model.config.ClipTextConfig;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.params.ParameterLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Spec 9: F + I from the serving split equals the joint score S of spec 5-7, for many random
 * batches, with every weight random (LayerNorm scales and biases included).
 */
class SplitScoringTest {
  private static final int BATCHES = 6;

  @Test
  void splitEqualsJointWithPerTokenGate() throws Exception {
    checkSplitEqualsJoint(ModelPresets.get(ModelPresets.TINY), Gating.PER_TOKEN);
  }

  @Test
  void splitEqualsJointWithFrozenFaithfulGate() throws Exception {
    ModelConfig tiny = ModelPresets.get(ModelPresets.TINY);
    ModelConfig faithful = tiny.withMatcher(tiny.matcher().withGateMode(GateMode.FAITHFUL));
    checkSplitEqualsJoint(faithful, Gating.FAITHFUL_FROZEN);
  }

  @Test
  void splitEqualsJointWithTopKEqualToExperts() throws Exception {
    ModelConfig tiny = ModelPresets.get(ModelPresets.TINY);
    checkSplitEqualsJoint(tiny.withMatcher(tiny.matcher().withTopK(4)), Gating.PER_TOKEN);
  }

  /** A 384-wide text side (the width of bge-small-class encoders), not only CLIP's 512. */
  @Test
  void splitEqualsJointWithA384WideTextBackbone() throws Exception {
    ModelConfig tiny = ModelPresets.get(ModelPresets.TINY);
    ModelConfig wide = new ModelConfig("text-384",
        new ClipTextConfig(49408, 384, 1, 6, 768, 77, Activation.QUICK_GELU), tiny.vision(),
        384, 50, 1e-5, tiny.matcher(), tiny.preprocessing());
    checkSplitEqualsJoint(wide, Gating.PER_TOKEN);
  }

  private void checkSplitEqualsJoint(ModelConfig config, Gating gating) throws Exception {
    int mentions = 3;
    int entities = 5;
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      ModelParameters params = ModelParameters.create(tf, ParameterLayout.of(config));
      MmoeGraph.Builder builder = new MmoeGraph.Builder(tf, config, params);
      Placeholder<TInt32> mIds = builder.textIds("m_ids");
      Placeholder<TFloat32> mPix = builder.pixels("m_pix");
      Placeholder<TInt32> eIds = builder.textIds("e_ids");
      Placeholder<TFloat32> ePix = builder.pixels("e_pix");
      MmoeMatcher.Scores joint = builder.scorePairs(mIds, mPix, eIds, ePix, gating);
      MmoeMatcher.EntityEncoding entity = builder.encodeEntities(eIds, ePix, gating);
      MmoeMatcher.MentionEncoding mention = builder.encodeMentions(mIds, mPix, gating);
      // Every mention gets all entities as its candidates: tile [N,...] to [B,N,...].
      MmoeMatcher.EntityEncoding tiled = new MmoeMatcher.EntityEncoding(
          tile(tf, entity.retrieval(), mentions), tile(tf, entity.textC(), mentions),
          tile(tf, entity.textQuery(), mentions), tile(tf, entity.imageC(), mentions),
          tile(tf, entity.imageQuery(), mentions));
      MmoeMatcher.Scores split = builder.scoreCandidates(mention, tiled);
      try (Session session = new Session(graph)) {
        TestWeights.loadNoisy(session, params, config, 11);
        Random random = new Random(5);
        double worst = 0;
        for (int batch = 0; batch < BATCHES; batch++) {
          try (TInt32 mi = TestInputs.ids(random, mentions, config);
              TFloat32 mp = TestInputs.pixels(random, mentions, config, batch % 2 == 1);
              TInt32 ei = TestInputs.ids(random, entities, config);
              TFloat32 ep = TestInputs.pixels(random, entities, config, batch % 3 == 2);
              Result r = session.runner()
                  .feed(mIds, mi).feed(mPix, mp).feed(eIds, ei).feed(ePix, ep)
                  .fetch(joint.total()).fetch(split.total())
                  .fetch(joint.text()).fetch(split.text())
                  .fetch(joint.image()).fetch(split.image())
                  .fetch(joint.cross()).fetch(split.cross())
                  .run()) {
            for (int part = 0; part < 4; part++) {
              float[] expected = TestInputs.read(r.get(2 * part));
              float[] actual = TestInputs.read(r.get(2 * part + 1));
              assertEquals(mentions * entities, expected.length);
              for (int i = 0; i < expected.length; i++) {
                // 1e-5 absolute, or relative where |S| > 1: a float32 ulp at |S| = 72 is 7.6e-6.
                double scale = Math.max(1, Math.abs(expected[i]));
                worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / scale);
                assertEquals(expected[i], actual[i], 1e-5 * scale,
                    "score part " + part + " pair " + i + " batch " + batch);
              }
            }
            float[] totals = TestInputs.read(r.get(0));
            assertTrue(spread(totals) > 1e-4, "scores must differ between pairs");
          }
        }
        System.out.printf("split vs joint (%s, k=%d, text width %d): max |diff|/max(1,|S|) %.3g"
            + " over %d batches%n", gating, config.matcher().topK(), config.text().width(), worst,
            BATCHES);
      }
    }
  }

  private static double spread(float[] values) {
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (float v : values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return max - min;
  }

  private static org.tensorflow.Operand<TFloat32> tile(Ops tf,
      org.tensorflow.Operand<TFloat32> x, int times) {
    int rank = x.shape().numDimensions();
    int[] multiples = new int[rank + 1];
    java.util.Arrays.fill(multiples, 1);
    multiples[0] = times;
    return tf.tile(tf.expandDims(x, tf.constant(0)), tf.constant(multiples));
  }
}
