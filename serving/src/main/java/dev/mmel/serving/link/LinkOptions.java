package dev.mmel.serving.link;

import dev.mmel.retriever.EntityFilter;
import java.util.OptionalDouble;

/**
 * What a caller asks of one link: how many entities to return, how many to retrieve and rerank,
 * which entities may be found, the NIL threshold if not the server's, and whether to time the
 * stages. Limits are checked by the caller (the request validation), which knows the server's.
 */
public record LinkOptions(int topK, int candidatesK, EntityFilter filter,
    OptionalDouble nilThreshold, boolean debug) {
  public LinkOptions {
    if (topK < 1 || candidatesK < topK) {
      throw new IllegalArgumentException("need 1 <= top_k <= candidates_k, got top_k " + topK
          + ", candidates_k " + candidatesK);
    }
    filter = filter == null ? EntityFilter.none() : filter;
    nilThreshold = nilThreshold == null ? OptionalDouble.empty() : nilThreshold;
  }

  public static LinkOptions of(int topK, int candidatesK) {
    return new LinkOptions(topK, candidatesK, EntityFilter.none(), OptionalDouble.empty(), false);
  }
}
