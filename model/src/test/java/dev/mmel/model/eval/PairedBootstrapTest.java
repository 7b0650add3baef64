package dev.mmel.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PairedBootstrapTest {
  private final PairedBootstrap bootstrap =
      new PairedBootstrap(PairedBootstrap.DEFAULT_RESAMPLES, 0.95, 43);

  /** Hits (0 or 100) of 2,000 mentions, about {@code rate} of them hit. */
  private static double[] hits(double rate, long seed) {
    Random random = new Random(seed);
    double[] hits = new double[2_000];
    for (int i = 0; i < hits.length; i++) {
      hits[i] = random.nextDouble() < rate ? 100 : 0;
    }
    return hits;
  }

  @Test
  void identicalEvaluationsGiveAZeroWidthIntervalAtZero() {
    double[] a = hits(0.8, 1);
    PairedBootstrap.Interval interval = bootstrap.meanDifference(a, a.clone());
    assertEquals(new PairedBootstrap.Interval(0, 0, 0), interval);
  }

  @Test
  void aConstructedDifferenceLiesWithinItsIntervalOfTheExpectedWidth() {
    double[] a = hits(0.8, 1);
    double[] b = a.clone();
    // 300 of the misses become hits, 100 of the hits misses: +10 points on 2,000 mentions.
    int fixed = 0;
    int broken = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] == 0 && fixed < 300) {
        b[i] = 100;
        fixed++;
      } else if (a[i] == 100 && broken < 100) {
        b[i] = 0;
        broken++;
      }
    }
    PairedBootstrap.Interval interval = bootstrap.meanDifference(a, b);
    assertEquals(10.0, interval.difference(), 1e-9);
    assertTrue(interval.contains(10.0), interval.toString());
    assertTrue(interval.lower() > 0, "a difference this large excludes zero: " + interval);
    // Per-mention differences are +100 (15%), -100 (5%) or 0: their standard deviation is
    // sqrt(0.2 * 100^2 - 10^2) = 43.6, so the mean's is 0.975 and the 95% interval about
    // +-1.91.
    double halfWidth = (interval.upper() - interval.lower()) / 2;
    assertEquals(1.91, halfWidth, 0.15, interval.toString());
    assertEquals(10.0, (interval.upper() + interval.lower()) / 2, 0.2, interval.toString());
  }

  @Test
  void theSameSeedGivesTheSameIntervalAndAnotherSeedADifferentOne() {
    double[] a = hits(0.8, 1);
    double[] b = hits(0.82, 2);
    PairedBootstrap.Interval once = bootstrap.meanDifference(a, b);
    assertEquals(once, new PairedBootstrap(10_000, 0.95, 43).meanDifference(a, b));
    assertEquals(once, bootstrap.meanDifference(a, b), "each call starts from the seed");
    PairedBootstrap.Interval other = new PairedBootstrap(10_000, 0.95, 44).meanDifference(a, b);
    assertEquals(once.difference(), other.difference());
    assertNotEquals(once, other);
  }

  @Test
  void refusesUnpairedValuesAndTooFewResamples() {
    assertThrows(IllegalArgumentException.class,
        () -> bootstrap.meanDifference(new double[3], new double[4]));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new PairedBootstrap(10, 0.95, 43));
    assertTrue(e.getMessage().contains("--resamples must be >= 100"), e.getMessage());
  }
}
