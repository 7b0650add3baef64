package dev.mmel.serving.dme;

/**
 * A chat completion that brought no answer text. Messages never hold the API key (see
 * {@link ApiKey#redact(String)}); no cause is attached, since a cause's message would escape
 * that scrubbing.
 */
final class ChatCompletionException extends Exception {
  private final FallbackReason reason;

  ChatCompletionException(FallbackReason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  FallbackReason reason() {
    return reason;
  }
}
