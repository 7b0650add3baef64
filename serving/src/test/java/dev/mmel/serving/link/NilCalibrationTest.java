package dev.mmel.serving.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NilCalibrationTest {
  @Test
  void separableScoresGetAThresholdBetweenTheTwoGroups() {
    float[] linked = {0.9f, 0.8f, 0.7f};
    boolean[] correct = {true, true, true};
    float[] nil = {0.3f, 0.4f, 0.5f};
    NilCalibration.Outcome outcome = NilCalibration.calibrate(linked, correct, nil);
    assertTrue(outcome.threshold() > 0.5f && outcome.threshold() <= 0.7f, outcome.toString());
    assertEquals(100.0, outcome.accuracy(), 1e-9);
    assertEquals(100.0, outcome.nilPrecision(), 1e-9);
    assertEquals(100.0, outcome.nilRecall(), 1e-9);
    assertEquals(100.0, outcome.linkedAccuracy(), 1e-9);
  }

  @Test
  void aWrongLinkedAnswerIsBetterCalledNilWhenItsScoreIsLow() {
    // The wrong answer at 0.45 is a miss either way; calling it NIL costs nothing.
    float[] linked = {0.9f, 0.45f};
    boolean[] correct = {true, false};
    float[] nil = {0.5f, 0.2f};
    NilCalibration.Outcome outcome = NilCalibration.calibrate(linked, correct, nil);
    assertEquals(75.0, outcome.accuracy(), 1e-9, outcome.toString());
    assertEquals(50.0, outcome.linkedAccuracy(), 1e-9);
    assertEquals(50.0, outcome.linkedAccuracyWithoutNil(), 1e-9);
  }

  @Test
  void measuringAGivenThresholdCountsBothKindsOfMistake() {
    float[] linked = {0.9f, 0.6f};
    boolean[] correct = {true, true};
    float[] nil = {0.7f, 0.2f};
    NilCalibration.Outcome outcome = NilCalibration.measure(0.65f, linked, correct, nil);
    // NIL called for linked 0.6 (wrong) and nil 0.2 (right); nil 0.7 is linked (wrong).
    assertEquals(50.0, outcome.nilPrecision(), 1e-9);
    assertEquals(50.0, outcome.nilRecall(), 1e-9);
    assertEquals(50.0, outcome.linkedAccuracy(), 1e-9);
    assertEquals(50.0, outcome.accuracy(), 1e-9);
  }

  @Test
  void mismatchedInputsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> NilCalibration.calibrate(
        new float[] {1}, new boolean[] {true, false}, new float[] {1}));
    assertThrows(IllegalArgumentException.class, () -> NilCalibration.calibrate(
        new float[0], new boolean[0], new float[0]));
  }
}
