package dev.mmel.retriever.milvus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IndexWaitTest {
  @Test
  void reportsRowsRateAndEta() {
    assertEquals("waiting for Milvus to index collection mmel_b1: 600,000 of 1,000,000 rows "
            + "indexed after 100 s (2,000 rows/s, ETA 200 s)",
        IndexWait.describe("mmel_b1", 600_000, 1_000_000, 200_000, 100));
  }

  @Test
  void leavesOutRateAndEtaBeforeAnyRowWasIndexedDuringTheWait() {
    assertEquals("waiting for Milvus to index collection c: 400 of 1,000 rows indexed after "
        + "10 s", IndexWait.describe("c", 400, 1_000, 0, 10));
  }
}
