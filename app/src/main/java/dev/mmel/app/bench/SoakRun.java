package dev.mmel.app.bench;

import dev.mmel.app.cli.ConsoleProgress;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The soak of `mmel bench serving --soak`: a paced load at a fixed rate, first for a warm-up
 * that is not judged, then for the soak itself, reading this process' memory at both ends and
 * every {@link #SAMPLE_EVERY} between. The warm-up exists because G1 grows the heap it has
 * committed over the first minutes of load (measured: 1.0 to 1.8 GB with the served model);
 * counted, that growth reads as a leak that is not one.
 */
final class SoakRun {
  static final Duration SAMPLE_EVERY = Duration.ofSeconds(30);

  /** What the soak measured: both loads and the memory readings (empty for a remote server). */
  record Outcome(LoadResult warmup, LoadResult soak, MemoryReading start, MemoryReading end,
      OptionalLong highestResident, int samples) {}

  private final JavaLoad load;
  private final int concurrency;
  private final double rate;
  private final boolean local;

  /** {@code local}: the server runs in this process, so /proc tells its memory. */
  SoakRun(JavaLoad load, int concurrency, double rate, boolean local) {
    this.load = load;
    this.concurrency = concurrency;
    this.rate = rate;
    this.local = local;
  }

  Outcome run(Duration warmup, Duration length, ConsoleProgress progress)
      throws InterruptedException {
    LoadResult warm = warmup.isZero() ? LoadResult.empty()
        : paced(warmup, progress.task("bench serving soak warm-up"), null);
    MemoryReading start = local ? MemoryReading.afterFullCollection() : MemoryReading.NONE;
    long[] highest = {start.resident().orElse(0)};
    int[] samples = {0};
    LoadResult soak = paced(length, progress.task("bench serving soak"), reading -> {
      highest[0] = Math.max(highest[0], reading.resident().orElse(0));
      samples[0]++;
    });
    MemoryReading end = local ? MemoryReading.afterFullCollection() : MemoryReading.NONE;
    highest[0] = Math.max(highest[0], end.resident().orElse(0));
    return new Outcome(warm, soak, start, end,
        local ? OptionalLong.of(highest[0]) : OptionalLong.empty(), samples[0]);
  }

  private LoadResult paced(Duration length, ConsoleProgress progress,
      Consumer<MemoryReading> sampled)
      throws InterruptedException {
    JavaLoad.Monitor counts = JavaLoad.Monitor.of(progress);
    long[] lastSample = {System.nanoTime()};
    return load.run(JavaLoad.Plan.paced(concurrency, rate, length),
        (done, expected, failed) -> {
          counts.tick(done, expected, failed);
          if (System.nanoTime() - lastSample[0] >= SAMPLE_EVERY.toNanos()) {
            lastSample[0] = System.nanoTime();
            MemoryReading reading = local ? MemoryReading.now() : MemoryReading.NONE;
            if (sampled != null) {
              sampled.accept(reading);
            }
            progress.step(String.format(Locale.ROOT, "%,d calls, %,d failed; %s", done, failed,
                reading.describe()));
          }
        });
  }
}
