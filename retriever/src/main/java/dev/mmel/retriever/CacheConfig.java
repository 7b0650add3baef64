package dev.mmel.retriever;

import java.time.Duration;

/**
 * Bounds of the caches in front of an index. Encoded entities are large (about 42 KB per entity
 * as floats at the real shapes), so that cache is bounded in bytes; the time-to-live bounds how
 * stale a serving process can be after a refresh job in another process changed the index.
 */
public record CacheConfig(long maxEntityBytes, long maxRecords, long maxNameKeys, Duration ttl) {

  public CacheConfig {
    range("max_entity_bytes", maxEntityBytes, 0, 64L << 30);
    range("max_records", maxRecords, 0, 100_000_000L);
    range("max_name_keys", maxNameKeys, 0, 100_000_000L);
    if (ttl == null || ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("ttl must be in (0, 1 day], got " + ttl);
    }
  }

  /** 256 MB of encoded entities (about 6,000), 100k records and name keys, 5 minutes. */
  public static CacheConfig defaults() {
    return new CacheConfig(256L << 20, 100_000, 100_000, Duration.ofMinutes(5));
  }

  private static void range(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(field + " must be in [" + min + ", " + max + "], got "
          + value);
    }
  }
}
