package dev.mmel.serving.link;

/**
 * What linking one mention of a call gave: its result, or the reason it failed, which fails
 * only this mention. Failures are {@link dev.mmel.core.InvalidInputException} (a field of the
 * mention), {@link java.util.concurrent.TimeoutException}, {@link OverloadedException},
 * {@link IndexUnavailableException} or {@link NotServingException}.
 */
public record LinkOutcome(LinkResult result, Exception error) {
  public LinkOutcome {
    if ((result == null) == (error == null)) {
      throw new IllegalArgumentException("an outcome is a result or an error");
    }
  }

  public static LinkOutcome of(LinkResult result) {
    return new LinkOutcome(result, null);
  }

  public static LinkOutcome failed(Exception error) {
    return new LinkOutcome(null, error);
  }
}
