package dev.mmel.retriever.milvus;

import io.milvus.v2.common.ConsistencyLevel;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How the Milvus entity index store connects and behaves. Every limit is checked here, once, so
 * the rest of the package can trust these values.
 *
 * @param uri gRPC endpoint, {@code http(s)://host:port}
 * @param connectTimeout how long opening the connection may take
 * @param rpcTimeout the deadline of every single RPC (search, query, upsert, ...)
 * @param waitTimeout how long the store waits for the server's background work: loading a
 *     collection, sealing segments on flush, building the HNSW index
 * @param maxRetries further attempts after a transient failure (server unreachable or deadline
 *     exceeded); requests the server refused are never retried
 * @param retryBackoff pause before the first retry; it doubles for each further retry
 * @param collectionPrefix builds are collections {@code <prefix>_<buildId>}, the live index is
 *     the alias {@code <prefix>_live} and the build live before it {@code <prefix>_previous}
 * @param readConsistency consistency of reads through {@link MilvusEntityIndexStore#openLive}:
 *     BOUNDED (the default) suits serving a finished build, which nobody writes; STRONG waits for
 *     the server's time tick (about 200 ms) on every read
 * @param searchEf HNSW {@code ef} for a search; a search for k results uses {@code max(ef, 2k)}
 * @param writeBatchRows entities per upsert request (about 30 KB each for the real model)
 */
public record MilvusConfig(String uri, Duration connectTimeout, Duration rpcTimeout,
    Duration waitTimeout, int maxRetries, Duration retryBackoff, String collectionPrefix,
    ConsistencyLevel readConsistency, int searchEf, int writeBatchRows) {

  public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(5);
  public static final Duration MAX_RPC_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration MAX_WAIT_TIMEOUT = Duration.ofHours(2);
  public static final Duration MAX_RETRY_BACKOFF = Duration.ofMinutes(1);
  public static final int MAX_RETRIES = 10;
  /**
   * On the WikiMEL KB encoded by a trained matcher (672-d) ef 64 found 0.910 of the exact top
   * 10; the embedded store's 200 candidates found 0.971. The same 200 here keeps both stores at
   * one recall target (`mmel bench-index --run`).
   */
  public static final int DEFAULT_SEARCH_EF = 200;
  /** Milvus' upper bound for HNSW {@code ef}. */
  public static final int MAX_SEARCH_EF = 32_768;
  public static final int MAX_WRITE_BATCH_ROWS = 10_000;
  private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,30}");

  public MilvusConfig {
    checkUri(uri);
    within("connect_timeout", connectTimeout, MAX_CONNECT_TIMEOUT);
    within("rpc_timeout", rpcTimeout, MAX_RPC_TIMEOUT);
    within("wait_timeout", waitTimeout, MAX_WAIT_TIMEOUT);
    within("retry_backoff", retryBackoff, MAX_RETRY_BACKOFF);
    if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
      throw new IllegalArgumentException("max_retries must be within 0.." + MAX_RETRIES + ", got "
          + maxRetries);
    }
    if (collectionPrefix == null || !PREFIX.matcher(collectionPrefix).matches()) {
      throw new IllegalArgumentException("collection_prefix must match " + PREFIX.pattern()
          + " (a lower-case letter, then at most 30 lower-case letters, digits or _), got '"
          + collectionPrefix + "'");
    }
    if (readConsistency != ConsistencyLevel.STRONG && readConsistency != ConsistencyLevel.BOUNDED) {
      throw new IllegalArgumentException("read_consistency must be STRONG or BOUNDED, got "
          + readConsistency);
    }
    if (searchEf < 1 || searchEf > MAX_SEARCH_EF) {
      throw new IllegalArgumentException("search_ef must be within 1.." + MAX_SEARCH_EF + ", got "
          + searchEf);
    }
    if (writeBatchRows < 1 || writeBatchRows > MAX_WRITE_BATCH_ROWS) {
      throw new IllegalArgumentException("write_batch_rows must be within 1.."
          + MAX_WRITE_BATCH_ROWS + ", got " + writeBatchRows);
    }
  }

  /**
   * Settings for a server on a local network: fail fast when it is down (10 s to connect, three
   * retries from 200 ms), but give single RPCs and background work room on a loaded server.
   */
  public static MilvusConfig defaults(String uri) {
    return new MilvusConfig(uri, Duration.ofSeconds(10), Duration.ofSeconds(60),
        Duration.ofMinutes(10), 3, Duration.ofMillis(200), "mmel", ConsistencyLevel.BOUNDED,
        DEFAULT_SEARCH_EF, 256);
  }

  public MilvusConfig withCollectionPrefix(String prefix) {
    return new MilvusConfig(uri, connectTimeout, rpcTimeout, waitTimeout, maxRetries,
        retryBackoff, prefix, readConsistency, searchEf, writeBatchRows);
  }

  public MilvusConfig withTimeouts(Duration connect, Duration rpc, Duration wait) {
    return new MilvusConfig(uri, connect, rpc, wait, maxRetries, retryBackoff, collectionPrefix,
        readConsistency, searchEf, writeBatchRows);
  }

  public MilvusConfig withRetries(int retries, Duration backoff) {
    return new MilvusConfig(uri, connectTimeout, rpcTimeout, waitTimeout, retries, backoff,
        collectionPrefix, readConsistency, searchEf, writeBatchRows);
  }

  public MilvusConfig withReadConsistency(ConsistencyLevel level) {
    return new MilvusConfig(uri, connectTimeout, rpcTimeout, waitTimeout, maxRetries,
        retryBackoff, collectionPrefix, level, searchEf, writeBatchRows);
  }

  public MilvusConfig withSearchEf(int ef) {
    return new MilvusConfig(uri, connectTimeout, rpcTimeout, waitTimeout, maxRetries,
        retryBackoff, collectionPrefix, readConsistency, ef, writeBatchRows);
  }

  public MilvusConfig withWriteBatchRows(int rows) {
    return new MilvusConfig(uri, connectTimeout, rpcTimeout, waitTimeout, maxRetries,
        retryBackoff, collectionPrefix, readConsistency, searchEf, rows);
  }

  /** The alias readers follow. */
  String liveAlias() {
    return collectionPrefix + "_live";
  }

  /** The alias of the build a rollback makes live again. */
  String previousAlias() {
    return collectionPrefix + "_previous";
  }

  private static void checkUri(String uri) {
    String expected = "uri must be http(s)://host:port (e.g. http://127.0.0.1:19530), got '" + uri
        + "'";
    if (uri == null) {
      throw new IllegalArgumentException(expected);
    }
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(expected, e);
    }
    boolean web = "http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme());
    boolean bare = parsed.getRawUserInfo() == null && parsed.getRawQuery() == null
        && parsed.getRawFragment() == null
        && (parsed.getRawPath() == null || parsed.getRawPath().isEmpty());
    if (!web || parsed.getHost() == null || parsed.getPort() < 1 || parsed.getPort() > 65_535
        || !bare) {
      throw new IllegalArgumentException(expected);
    }
  }

  private static void within(String field, Duration value, Duration max) {
    if (value == null || value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(field + " must be > 0 and at most " + max + ", got "
          + value);
    }
  }
}
