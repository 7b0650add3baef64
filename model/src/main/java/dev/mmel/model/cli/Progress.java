package dev.mmel.model.cli;

import java.util.Locale;

/**
 * Progress on stderr: steps with elapsed time, and counted work with items done, rate and ETA.
 * Stdout stays reserved for results so commands compose in scripts.
 */
public final class Progress {
  private final String task;
  private final long start = System.nanoTime();
  private long lastReport;
  private long countStart;

  public Progress(String task) {
    this.task = task;
  }

  public void step(String what) {
    System.err.printf(Locale.ROOT, "[%s %6.1fs] %s%n", task, seconds(), what);
  }

  /** Reports at most twice a second, and always on the last item. */
  public void count(long done, long total, String unit) {
    long now = System.nanoTime();
    if (countStart == 0) {
      countStart = now;
      lastReport = now;
    }
    if (done < total && now - lastReport < 500_000_000L) {
      return;
    }
    lastReport = now;
    // The rate counts from the first item reported, not from the start of the whole task.
    double rate = done / Math.max((now - countStart) / 1e9, 1e-3);
    String eta = rate > 0 ? String.format(Locale.ROOT, "%.0fs", (total - done) / rate) : "unknown";
    System.err.printf(Locale.ROOT, "[%s %6.1fs] %,d/%,d %s (%.1f/s, ETA %s)%n", task,
        seconds(), done, total, unit, rate, eta);
  }

  public void done(String what) {
    System.err.printf(Locale.ROOT, "[%s %6.1fs] done: %s%n", task, seconds(), what);
  }

  public double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }
}
