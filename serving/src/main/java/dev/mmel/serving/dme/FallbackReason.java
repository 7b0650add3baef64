package dev.mmel.serving.dme;

/** Why the LLM selector answered with its fallback selector instead of the LLM. */
public enum FallbackReason {
  /** No answer within the call's budget, or the budget was spent before asking. */
  TIMEOUT,
  /**
   * The exchange failed: connection refused or reset, a non-2xx status, or a response that is not
   * a chat completion (malformed JSON, no message content).
   */
  ERROR,
  /** A chat completion came back, but its text is not a bare candidate number in range. */
  UNPARSABLE
}
