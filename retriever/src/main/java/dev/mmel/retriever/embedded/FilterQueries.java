package dev.mmel.retriever.embedded;

import dev.mmel.retriever.EntityFilter;
import java.util.Set;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.util.BytesRef;

/**
 * An {@link EntityFilter} as the Lucene query a kNN search is restricted by. Lucene applies it
 * while walking the HNSW graph, and searches exactly when it allows no more documents than
 * requested, so the top k are the top k of the allowed entities.
 */
final class FilterQueries {

  private FilterQueries() {}

  /** The query of the allowed documents, or null when everything is allowed. */
  static Query of(EntityFilter filter) {
    if (filter.isNone()) {
      return null;
    }
    BooleanQuery.Builder allowed = new BooleanQuery.Builder();
    allowed.add(filter.onlyQids() == null ? new MatchAllDocsQuery() : qids(filter.onlyQids()),
        Occur.FILTER);
    if (!filter.excludedQids().isEmpty()) {
      allowed.add(qids(filter.excludedQids()), Occur.MUST_NOT);
    }
    return allowed.build();
  }

  private static Query qids(Set<String> qids) {
    return new TermInSetQuery(EntityDocuments.QID, qids.stream().map(BytesRef::new).toList());
  }
}
