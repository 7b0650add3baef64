package dev.mmel.retriever.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.Test;

/** The inverse holds for the Lucene on the class path, so an upgrade that changes it fails here. */
class MaxInnerProductTest {

  @Test
  void invertsLucenesScaling() {
    Random random = new Random(40);
    for (int i = 0; i < 100_000; i++) {
      float dot = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
      float back = MaxInnerProduct.innerProduct(VectorUtil.scaleMaxInnerProductScore(dot));
      assertEquals(dot, back, 4 * Math.ulp(Math.max(1f, Math.abs(dot))), "dot " + dot);
    }
    for (float dot : new float[] {0f, -0f, 1f, -1f, 1e-30f, -1e-30f}) {
      assertEquals(dot, MaxInnerProduct.innerProduct(VectorUtil.scaleMaxInnerProductScore(dot)),
          Math.ulp(1f));
    }
  }
}
