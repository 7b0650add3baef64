package dev.mmel.pipeline;

import org.apache.flink.api.common.functions.MapFunction;

/** Slows a stream down so that a test can act while a job is half-way. */
final class Throttle implements MapFunction<Change, Change> {
  private static final long serialVersionUID = 1L;
  private final long delayMillis;

  Throttle(long delayMillis) {
    this.delayMillis = delayMillis;
  }

  @Override
  public Change map(Change value) throws InterruptedException {
    Thread.sleep(delayMillis);
    return value;
  }
}
