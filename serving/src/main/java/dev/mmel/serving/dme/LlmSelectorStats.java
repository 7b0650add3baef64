package dev.mmel.serving.dme;

/**
 * Counts since the selector was made, for metrics. {@code calls} = {@code cacheHits} +
 * {@code llmAnswers} + {@link #fallbacks()} + the calls without candidates.
 *
 * @param cacheHits calls answered from the cache, without a request
 * @param cacheMisses cache look-ups that found nothing
 * @param llmAnswers calls answered by a fresh LLM answer (a candidate or none)
 * @param fallbackFailures fallbacks whose fallback selector threw; those calls answered none
 */
public record LlmSelectorStats(long calls, long cacheHits, long cacheMisses, long llmAnswers,
    long timeouts, long errors, long unparsable, long fallbackFailures) {

  public long fallbacks() {
    return timeouts + errors + unparsable;
  }

  public long fallbacks(FallbackReason reason) {
    return switch (reason) {
      case TIMEOUT -> timeouts;
      case ERROR -> errors;
      case UNPARSABLE -> unparsable;
    };
  }
}
