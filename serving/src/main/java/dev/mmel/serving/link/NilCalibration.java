package dev.mmel.serving.link;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Chooses the NIL threshold from served top-1 answers of labelled mentions, each seen twice: once
 * with its gold entity in the index ({@code linked}: the top score and whether the top answer is
 * gold) and once with the gold entity excluded ({@code nil}: the top score, where the right answer
 * is NIL). A mention is NIL when its top score is under the threshold. The threshold maximises the
 * share of right answers over both cases (a linked case is right when its top answer is gold and
 * not NIL, a NIL case when it is NIL); ties go to the lower threshold, which makes fewer NILs.
 */
public final class NilCalibration {
  private NilCalibration() {}

  /** The threshold's effect on the cases it was measured on (shares in percent). */
  public record Outcome(float threshold, int cases, double accuracy, double nilPrecision,
      double nilRecall, double linkedAccuracy, double linkedAccuracyWithoutNil) {

    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("threshold", threshold);
      json.put("mentions", cases);
      json.put("accuracy", accuracy);
      json.put("nil_precision", nilPrecision);
      json.put("nil_recall", nilRecall);
      json.put("linked_accuracy", linkedAccuracy);
      json.put("linked_accuracy_without_nil", linkedAccuracyWithoutNil);
      return json;
    }
  }

  public static Outcome calibrate(float[] linkedScores, boolean[] linkedCorrect,
      float[] nilScores) {
    check(linkedScores, linkedCorrect, nilScores);
    float[] candidates = new float[linkedScores.length + nilScores.length + 1];
    System.arraycopy(linkedScores, 0, candidates, 0, linkedScores.length);
    System.arraycopy(nilScores, 0, candidates, linkedScores.length, nilScores.length);
    candidates[candidates.length - 1] = Float.NEGATIVE_INFINITY;
    Arrays.sort(candidates);
    Outcome best = null;
    for (float candidate : candidates) {
      // NIL is "score < threshold": a threshold just above a score makes that score NIL.
      float threshold = candidate == Float.NEGATIVE_INFINITY ? candidate
          : Math.nextUp(candidate);
      Outcome outcome = measure(threshold, linkedScores, linkedCorrect, nilScores);
      if (best == null || outcome.accuracy() > best.accuracy()) {
        best = outcome;
      }
    }
    return best;
  }

  public static Outcome measure(float threshold, float[] linkedScores, boolean[] linkedCorrect,
      float[] nilScores) {
    check(linkedScores, linkedCorrect, nilScores);
    int linkedRight = 0;
    int linkedRightWithoutNil = 0;
    int falseNil = 0;
    for (int i = 0; i < linkedScores.length; i++) {
      boolean nil = linkedScores[i] < threshold;
      falseNil += nil ? 1 : 0;
      linkedRight += linkedCorrect[i] && !nil ? 1 : 0;
      linkedRightWithoutNil += linkedCorrect[i] ? 1 : 0;
    }
    int trueNil = 0;
    for (float score : nilScores) {
      trueNil += score < threshold ? 1 : 0;
    }
    int n = linkedScores.length;
    int predictedNil = trueNil + falseNil;
    return new Outcome(threshold, n, 100.0 * (linkedRight + trueNil) / (2.0 * n),
        predictedNil == 0 ? 100.0 : 100.0 * trueNil / predictedNil,
        100.0 * trueNil / nilScores.length, 100.0 * linkedRight / n,
        100.0 * linkedRightWithoutNil / n);
  }

  private static void check(float[] linkedScores, boolean[] linkedCorrect, float[] nilScores) {
    if (linkedScores.length == 0 || linkedScores.length != linkedCorrect.length
        || linkedScores.length != nilScores.length) {
      throw new IllegalArgumentException("need the same number (> 0) of linked scores, linked "
          + "flags and NIL scores, got " + linkedScores.length + ", " + linkedCorrect.length
          + " and " + nilScores.length);
    }
  }
}
