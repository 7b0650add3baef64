package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ServedMetricsTest {
  @Test
  void aGoldEntityNotRetrievedIsAMissEverywhereAndAddsNothingToTheMrr() {
    ServedMetrics metrics = ServedMetrics.of(new int[] {1, 2, 0, 6});
    assertEquals(4, metrics.mentions());
    assertEquals(25.0, metrics.hits1(), 1e-9);
    assertEquals(50.0, metrics.hits5(), 1e-9);
    assertEquals(100 * (1 + 0.5 + 1.0 / 6) / 4, metrics.mrr(), 1e-9);
    assertEquals(1, metrics.notRetrieved());
    assertEquals(2, metrics.rerankedBelow());
  }

  @Test
  void noMentionsIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> ServedMetrics.of(new int[0]));
  }
}
