package dev.mmel.app.cli;

import picocli.CommandLine.Option;

/** {@code --threads}, one meaning everywhere: the threads the model computes with. */
public final class ThreadsOption {
  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "Threads the model computes with (TensorFlow's intra-op threads per "
          + "encoder; parallel encodings of the frozen text backbone); 0 = one per core "
          + "(default).")
  int threads;

  /** The thread count, 0 resolved to the number of cores. */
  public int count() {
    if (threads < 0 || threads > 1024) {
      throw new IllegalArgumentException("--threads must be within 0..1024, got " + threads);
    }
    return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
  }
}
