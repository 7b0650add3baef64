package dev.mmel.serving.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BatcherSettingsTest {

  @Test
  void defaultsAreValid() {
    BatcherSettings settings = BatcherSettings.builder("encode").build();

    assertEquals(32, settings.maxBatchSize());
    assertEquals(Duration.ofMillis(2), settings.maxWait());
    assertEquals(1_024, settings.queueCapacity());
    assertEquals(1, settings.workers());
  }

  @Test
  void aZeroMaxWaitIsAllowed() {
    assertEquals(Duration.ZERO,
        BatcherSettings.builder("encode").maxWait(Duration.ZERO).build().maxWait());
  }

  @Test
  void everyLimitNamesItsFieldAndTheValue() {
    assertMessage("max_batch_size must be in [1, 65536], got 0",
        BatcherSettings.builder("encode").maxBatchSize(0));
    assertMessage("queue_capacity must be in [1, 1000000], got 0",
        BatcherSettings.builder("encode").queueCapacity(0));
    assertMessage("workers must be in [1, 256], got 257",
        BatcherSettings.builder("encode").workers(257));
    assertMessage("max_wait must be in [0, PT1S], got PT-0.001S",
        BatcherSettings.builder("encode").maxWait(Duration.ofMillis(-1)));
    assertMessage("max_wait must be in [0, PT1S], got null",
        BatcherSettings.builder("encode").maxWait(null));
    assertMessage("name must be 1 to 64 letters, digits, '.', '_' or '-' (it names threads), "
        + "got 'two words'", BatcherSettings.builder("two words"));
  }

  private static void assertMessage(String expected, BatcherSettings.Builder builder) {
    assertEquals(expected,
        assertThrows(IllegalArgumentException.class, builder::build).getMessage());
  }
}
