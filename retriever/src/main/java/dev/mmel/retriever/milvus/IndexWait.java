package dev.mmel.retriever.milvus;

import java.util.Locale;

/** The progress line of a wait for Milvus to index a collection. */
final class IndexWait {
  private IndexWait() {}

  /**
   * {@code gained} rows were indexed during the {@code seconds} waited so far; the rate and ETA
   * come from them, and are left out until some rows were gained.
   */
  static String describe(String collection, long indexed, long total, long gained,
      double seconds) {
    String line = String.format(Locale.ROOT,
        "waiting for Milvus to index collection %s: %,d of %,d rows indexed after %.0f s",
        collection, indexed, total, seconds);
    if (gained <= 0 || seconds <= 0) {
      return line;
    }
    double rate = gained / seconds;
    return line + String.format(Locale.ROOT, " (%,.0f rows/s, ETA %.0f s)", rate,
        Math.max(0, total - indexed) / rate);
  }
}
