package dev.mmel.retriever.milvus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milvus.v2.common.ConsistencyLevel;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class MilvusConfigTest {
  private static final MilvusConfig BASE = MilvusConfig.defaults("http://127.0.0.1:19530");

  private static String rejected(Supplier<MilvusConfig> config) {
    return assertThrows(IllegalArgumentException.class, config::get).getMessage();
  }

  @Test
  void defaultsAreValidAndServeBounded() {
    assertEquals("mmel", BASE.collectionPrefix());
    assertEquals("mmel_live", BASE.liveAlias());
    assertEquals(ConsistencyLevel.BOUNDED, BASE.readConsistency());
    assertEquals(3, BASE.maxRetries());
    assertEquals("https://milvus.internal:443",
        MilvusConfig.defaults("https://milvus.internal:443").uri());
  }

  @Test
  void theUriMustBeHttpHostAndPort() {
    for (String uri : new String[] {null, "", "127.0.0.1:19530", "tcp://127.0.0.1:19530",
        "http://127.0.0.1", "http://127.0.0.1:0", "http://127.0.0.1:70000",
        "http://127.0.0.1:19530/db", "http://u:p@127.0.0.1:19530", "http://127.0.0.1:19530?x=1",
        "http://:19530", "not a uri"}) {
      String message = rejected(() -> MilvusConfig.defaults(uri));
      assertTrue(message.startsWith("uri must be http(s)://host:port"), message);
      assertTrue(message.contains("got '" + uri + "'"), message);
    }
  }

  @Test
  void timeoutsMustBePositiveAndBounded() {
    Duration second = Duration.ofSeconds(1);
    assertEquals("connect_timeout must be > 0 and at most PT5M, got PT0S",
        rejected(() -> BASE.withTimeouts(Duration.ZERO, second, second)));
    assertEquals("rpc_timeout must be > 0 and at most PT10M, got PT11M",
        rejected(() -> BASE.withTimeouts(second, Duration.ofMinutes(11), second)));
    assertEquals("wait_timeout must be > 0 and at most PT2H, got PT-1S",
        rejected(() -> BASE.withTimeouts(second, second, Duration.ofSeconds(-1))));
    assertEquals("wait_timeout must be > 0 and at most PT2H, got null",
        rejected(() -> BASE.withTimeouts(second, second, null)));
    assertEquals(Duration.ofHours(2),
        BASE.withTimeouts(second, second, Duration.ofHours(2)).waitTimeout());
  }

  @Test
  void retriesAreBounded() {
    assertEquals("max_retries must be within 0..10, got 11",
        rejected(() -> BASE.withRetries(11, Duration.ofMillis(1))));
    assertEquals("max_retries must be within 0..10, got -1",
        rejected(() -> BASE.withRetries(-1, Duration.ofMillis(1))));
    assertEquals("retry_backoff must be > 0 and at most PT1M, got PT2M",
        rejected(() -> BASE.withRetries(1, Duration.ofMinutes(2))));
    assertEquals(0, BASE.withRetries(0, Duration.ofMillis(1)).maxRetries());
  }

  @Test
  void theCollectionPrefixIsAMilvusNameWithRoomForTheBuildId() {
    assertEquals("a", BASE.withCollectionPrefix("a").collectionPrefix());
    assertEquals(31, BASE.withCollectionPrefix("a" + "b".repeat(30)).collectionPrefix().length());
    for (String prefix : new String[] {null, "", "1abc", "_abc", "Mmel", "mm-el",
        "a" + "b".repeat(31)}) {
      String message = rejected(() -> BASE.withCollectionPrefix(prefix));
      assertTrue(message.startsWith("collection_prefix must match [a-z][a-z0-9_]{0,30}"), message);
      assertTrue(message.endsWith("got '" + prefix + "'"), message);
    }
  }

  @Test
  void readsAreStrongOrBounded() {
    assertEquals(ConsistencyLevel.STRONG,
        BASE.withReadConsistency(ConsistencyLevel.STRONG).readConsistency());
    assertEquals("read_consistency must be STRONG or BOUNDED, got EVENTUALLY",
        rejected(() -> BASE.withReadConsistency(ConsistencyLevel.EVENTUALLY)));
    assertEquals("read_consistency must be STRONG or BOUNDED, got null",
        rejected(() -> BASE.withReadConsistency(null)));
  }

  @Test
  void searchEfAndBatchSizeAreBounded() {
    assertEquals("search_ef must be within 1..32768, got 0", rejected(() -> BASE.withSearchEf(0)));
    assertEquals("write_batch_rows must be within 1..10000, got 10001",
        rejected(() -> BASE.withWriteBatchRows(10_001)));
  }
}
