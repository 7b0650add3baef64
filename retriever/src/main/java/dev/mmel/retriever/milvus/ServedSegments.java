package dev.mmel.retriever.milvus;

import io.milvus.v2.service.utility.response.GetPersistentSegmentInfoResp.PersistentSegmentInfo;
import io.milvus.v2.service.utility.response.GetQuerySegmentInfoResp.QuerySegmentInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which flushed segments the query nodes do not serve yet. Milvus 2.3 lists only sealed segments
 * among those a query node serves; the rows of a flushed segment that is not among them are still
 * searched in the growing segment they were written to, through its coarse interim index. A
 * sealed segment is searched through the HNSW index once it has one, and exactly while it is
 * below the size Milvus indexes (1,024 rows by default).
 */
final class ServedSegments {
  static final String FLUSHED = "Flushed";

  private ServedSegments() {}

  /** Segment id to row count of every non-empty flushed segment the query nodes do not serve. */
  static Map<Long, Long> notServed(List<PersistentSegmentInfo> persisted,
      List<QuerySegmentInfo> served) {
    Set<Long> sealed = served.stream().map(QuerySegmentInfo::getSegmentID)
        .collect(Collectors.toSet());
    Map<Long, Long> rows = new LinkedHashMap<>();
    for (PersistentSegmentInfo segment : persisted) {
      if (FLUSHED.equals(segment.getState()) && segment.getNumOfRows() > 0
          && !sealed.contains(segment.getSegmentID())) {
        rows.put(segment.getSegmentID(), segment.getNumOfRows());
      }
    }
    return rows;
  }

  static String describe(String collection, Map<Long, Long> waiting, double seconds) {
    long rows = waiting.values().stream().mapToLong(Long::longValue).sum();
    return String.format(Locale.ROOT, "waiting for Milvus' query nodes to load the flushed "
        + "segments of collection %s: %,d segments (%,d rows) not yet handed over after %.0f s", collection, waiting.size(), rows, seconds);
  }
}
