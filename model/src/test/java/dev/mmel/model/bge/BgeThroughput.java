package dev.mmel.model.bge;

import java.util.List;

/**
 * Measures {@link BgeSmallEncoder} throughput on real WikiMEL entity texts (name [SEP] abstract), in
 * texts per second: {@code BgeThroughput [positions=50] [batch=32] [threads=2] [texts=2048]}. A
 * runner, not a test; run it with the test classpath.
 */
public final class BgeThroughput {
  private BgeThroughput() {}

  public static void main(String[] args) throws Exception {
    int positions = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    int count = args.length > 3 ? Integer.parseInt(args[3]) : 2_048;
    List<String> texts = BgeTexts.entityTexts();
    if (count + batch * 4 > texts.size()) {
      throw new IllegalArgumentException("texts must be at most " + (texts.size() - batch * 4) + ", got " + count);
    }
    try (BgeSmallEncoder encoder = BgeSmallEncoder.open(positions, threads)) {
      // Warm-up on texts outside the measured range.
      for (int from = texts.size() - batch * 4; from < texts.size(); from += batch) {
        encoder.encode(texts.subList(from, from + batch));
      }
      long tokens = 0;
      for (String text : texts.subList(0, count)) {
        tokens += encoder.tokenizer().encode(text, positions).length;
      }
      long start = System.nanoTime();
      for (int from = 0; from < count; from += batch) {
        encoder.encode(texts.subList(from, Math.min(count, from + batch)));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("bge %s: %d entity texts, positions %d (mean %.1f real tokens), batch %d, %d threads: "
          + "%.2f s, %.1f texts/s%n", encoder.modelId(), count, positions, (double) tokens / count, batch, threads,
          seconds, count / seconds);
    }
  }
}
