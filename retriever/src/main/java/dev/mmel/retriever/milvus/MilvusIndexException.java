package dev.mmel.retriever.milvus;

/**
 * A request to Milvus failed after the retries it was allowed. The message names the operation,
 * the collection or alias, the server's reason and what to check.
 */
public final class MilvusIndexException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MilvusIndexException(String message, Throwable cause) {
    super(message, cause);
  }
}
