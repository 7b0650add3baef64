package dev.mmel.retriever.milvus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.milvus.v2.service.utility.response.GetPersistentSegmentInfoResp.PersistentSegmentInfo;
import io.milvus.v2.service.utility.response.GetQuerySegmentInfoResp.QuerySegmentInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServedSegmentsTest {
  private static PersistentSegmentInfo persisted(long id, long rows, String state) {
    return PersistentSegmentInfo.builder().segmentID(id).numOfRows(rows).state(state).build();
  }

  private static QuerySegmentInfo served(long id, long rows, String indexName) {
    return QuerySegmentInfo.builder().segmentID(id).numOfRows(rows).state("Sealed")
        .indexName(indexName).build();
  }

  @Test
  void flushedSegmentsMissingFromTheQueryNodesAreWaitedFor() {
    Map<Long, Long> waiting = ServedSegments.notServed(
        List.of(persisted(1, 3_328, "Flushed"), persisted(2, 3_584, "Flushed"),
            persisted(3, 120, "Flushed"), persisted(4, 2_048, "Flushed")),
        List.of(served(1, 3_328, EntityFields.RETRIEVAL_INDEX), served(3, 120, "")));
    assertEquals(Map.of(2L, 3_584L, 4L, 2_048L), waiting);
  }

  @Test
  void growingDroppedAndEmptySegmentsAreNotWaitedFor() {
    assertEquals(Map.of(), ServedSegments.notServed(
        List.of(persisted(1, 18_880, "Flushed"), persisted(2, 50, "Growing"),
            persisted(3, 3_328, "Dropped"), persisted(4, 0, "Flushed")),
        List.of(served(1, 18_880, EntityFields.RETRIEVAL_INDEX))));
  }

  @Test
  void describesSegmentsRowsAndTime() {
    assertEquals("waiting for Milvus' query nodes to load the flushed segments of collection "
            + "mmel_b1: 2 segments (6,912 rows) not yet handed over after 12 s",
        ServedSegments.describe("mmel_b1", Map.of(2L, 3_584L, 5L, 3_328L), 12.4));
  }
}
