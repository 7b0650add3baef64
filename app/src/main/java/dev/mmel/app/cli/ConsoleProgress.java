package dev.mmel.app.cli;

import dev.mmel.core.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Renders progress on stderr: steps with elapsed time, and counted work with items done, rate
 * and ETA. Stdout stays reserved for results so commands compose in scripts. On a terminal a
 * count is shown at most twice a second; into a file or pipe at most every ten seconds, so a
 * log holds a few hundred lines per hour instead of thousands.
 */
public final class ConsoleProgress implements ProgressListener {
  private static final long TERMINAL_INTERVAL_NANOS = 500_000_000L;
  private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

  private final String task;
  private final PrintWriter err;
  private final long intervalNanos;
  private final LongSupplier clock;
  private final long start;
  private long lastReport;
  private long countStart;

  /** {@code clock} gives nanoseconds, as System.nanoTime does; tests pass their own. */
  ConsoleProgress(String task, PrintWriter err, long intervalNanos, LongSupplier clock) {
    this.task = task;
    this.err = err;
    this.intervalNanos = intervalNanos;
    this.clock = clock;
    this.start = clock.getAsLong();
  }

  /** Progress of {@code task} on {@code err}, throttled for a terminal or for a log. */
  public static ConsoleProgress on(PrintWriter err, String task) {
    return new ConsoleProgress(task, err, intervalNanos(System.console() != null),
        System::nanoTime);
  }

  /** How often a count is shown: twice a second on a terminal, every ten seconds in a log. */
  static long intervalNanos(boolean terminal) {
    return terminal ? TERMINAL_INTERVAL_NANOS : LOG_INTERVAL_NANOS;
  }

  @Override
  public ConsoleProgress task(String name) {
    return new ConsoleProgress(name, err, intervalNanos, clock);
  }

  @Override
  public void step(String what) {
    print(what);
  }

  /** Reports at most once per interval, and always the last item. */
  @Override
  public void count(long done, long total, String unit) {
    long now = clock.getAsLong();
    if (countStart == 0) {
      countStart = now;
      lastReport = now;
    }
    if (done < total && now - lastReport < intervalNanos) {
      return;
    }
    lastReport = now;
    // The rate counts from the first count heard, not from the start of the whole task.
    double rate = done / Math.max((now - countStart) / 1e9, 1e-3);
    String eta = rate > 0 ? String.format(Locale.ROOT, "%.0fs", (total - done) / rate)
        : "unknown";
    print(String.format(Locale.ROOT, "%,d/%,d %s (%.1f/s, ETA %s)", done, total, unit, rate,
        eta));
  }

  public void done(String what) {
    print("done: " + what);
  }

  public double seconds() {
    return (clock.getAsLong() - start) / 1e9;
  }

  private void print(String what) {
    err.printf(Locale.ROOT, "[%s %6.1fs] %s%n", task, seconds(), what);
    err.flush();
  }
}
