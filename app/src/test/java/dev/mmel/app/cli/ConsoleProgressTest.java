package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The throttle that keeps a log to a few hundred lines an hour, on a clock the test moves. */
class ConsoleProgressTest {
  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final StringWriter written = new StringWriter();
  private final ConsoleProgress log = new ConsoleProgress("train", new PrintWriter(written),
      ConsoleProgress.intervalNanos(false), now::get);

  private List<String> lines() {
    return written.toString().lines().toList();
  }

  private void at(double seconds) {
    now.set(1_000 * SECOND + (long) (seconds * SECOND));
  }

  @Test
  void intoALogACountIsShownEveryTenSecondsAndAlwaysAtTheEnd() {
    assertEquals(10 * SECOND, ConsoleProgress.intervalNanos(false));
    assertEquals(SECOND / 2, ConsoleProgress.intervalNanos(true));
    for (int batch = 1; batch <= 100; batch++) {
      at(batch * 0.3);
      log.count(batch * 32L, 3_200, "mentions");
    }
    // Counting starts at 0.3 s; shown at 10.5 s, 20.7 s (first at least ten seconds after the
    // last), and the last batch at 30 s.
    assertEquals(List.of(
        "[train   10.5s] 1,120/3,200 mentions (109.8/s, ETA 19s)",
        "[train   20.7s] 2,208/3,200 mentions (108.2/s, ETA 9s)",
        "[train   30.0s] 3,200/3,200 mentions (107.7/s, ETA 0s)"), lines());
  }

  @Test
  void stepsAreAlwaysShownAndASubTaskKeepsTheThrottle() {
    log.step("loading");
    ConsoleProgress epoch = log.task("epoch 1/2");
    at(1);
    epoch.count(1, 10, "batches");
    at(2);
    epoch.count(2, 10, "batches");
    at(12);
    epoch.count(3, 10, "batches");
    assertEquals(List.of("[train    0.0s] loading",
        "[epoch 1/2   12.0s] 3/10 batches (0.3/s, ETA 26s)"), lines());
  }
}
