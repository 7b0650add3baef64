package dev.mmel.pipeline;

import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.utility.request.DropAliasReq;
import io.milvus.v2.service.utility.request.ListAliasesReq;
import java.util.List;

/** What the Milvus ITs created on a server that may be shared: found by prefix and dropped. */
final class MilvusCollections {
  private MilvusCollections() {}

  /**
   * Drops every collection named {@code <prefix>_...} and their aliases (the live alias first,
   * as Milvus refuses to drop a collection an alias points at).
   * @return the collections dropped
   */
  static List<String> dropAll(String uri, String prefix) {
    MilvusClientV2 client = new MilvusClientV2(ConnectConfig.builder().uri(uri)
        .connectTimeoutMs(20_000).rpcDeadlineMs(60_000).build());
    try {
      List<String> collections = client.listCollections().getCollectionNames().stream()
          .filter(name -> name.startsWith(prefix + "_")).toList();
      for (String collection : collections) {
        for (String alias : client.listAliases(ListAliasesReq.builder()
            .collectionName(collection).build()).getAlias()) {
          client.dropAlias(DropAliasReq.builder().alias(alias).build());
        }
        client.dropCollection(DropCollectionReq.builder().collectionName(collection).build());
      }
      return collections;
    } finally {
      client.close();
    }
  }
}
