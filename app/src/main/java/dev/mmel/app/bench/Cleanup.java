package dev.mmel.app.bench;

import java.util.ArrayList;
import java.util.List;

/** What a benchmark opened or created, undone last first; every step runs even if one fails. */
final class Cleanup implements AutoCloseable {
  private final List<AutoCloseable> steps = new ArrayList<>();

  <T extends AutoCloseable> T add(T step) {
    steps.add(step);
    return step;
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (int i = steps.size() - 1; i >= 0; i--) {
      try {
        steps.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
