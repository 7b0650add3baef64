package dev.mmel.core;

/**
 * Hears how long work is going: the libraries report through it and never print; the command
 * line renders it (items done, rate, ETA). Implementations decide how often to show a count.
 */
public interface ProgressListener {

  /** Reports nothing. */
  ProgressListener NONE = new ProgressListener() {
    @Override
    public ProgressListener task(String name) {
      return this;
    }

    @Override
    public void step(String what) {}

    @Override
    public void count(long done, long total, String unit) {}
  };

  /** A listener for a sub-task of its own (an epoch, a validation), timed from now. */
  ProgressListener task(String name);

  /** A step of the work began or ended, e.g. "loading the model". */
  void step(String what);

  /** {@code done} of {@code total} units are done; called often, shown as the listener likes. */
  void count(long done, long total, String unit);
}
