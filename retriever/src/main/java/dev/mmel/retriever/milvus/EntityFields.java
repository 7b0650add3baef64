package dev.mmel.retriever.milvus;

import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.NameKeys;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.DataType;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.service.collection.request.AddFieldReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq.CollectionSchema;
import java.util.List;
import java.util.Map;

/**
 * The fields of a build collection and the index on it. Milvus 2.3 allows one vector field per
 * collection, so only the retrieval vector is one; the rerank features are fp16 bytes in Base64
 * in a VARCHAR (infra/MILVUS_NOTES.md has what the server said to the alternatives). Text limits
 * are EntityRecord's, in UTF-8 bytes, which is what Milvus' max_length counts.
 */
final class EntityFields {
  static final String QID = "qid";
  static final String NAME = "name";
  static final String NAME_KEY = "name_key";
  static final String ALIASES = "aliases";
  static final String ALIAS_KEYS = "alias_keys";
  static final String NAME_PARTS = "name_parts";
  static final String DESCRIPTION = "description";
  static final String IMAGE_REF = "image_ref";
  static final String RETRIEVAL = "retrieval";
  static final String RERANK = "rerank_fp16_b64";
  static final List<String> RECORD = List.of(QID, NAME, ALIASES, DESCRIPTION, IMAGE_REF);
  static final List<String> ALL =
      List.of(QID, NAME, ALIASES, DESCRIPTION, IMAGE_REF, RETRIEVAL, RERANK);

  static final String RETRIEVAL_INDEX = "retrieval_hnsw";
  static final int HNSW_M = 16;
  static final int HNSW_EF_CONSTRUCTION = 200;
  /** The longest VARCHAR Milvus accepts. */
  static final int VARCHAR_MAX = 65_535;
  /** The most dimensions Milvus 2.3 accepts for a FLOAT_VECTOR. */
  static final int MAX_DIM = 32_768;

  private EntityFields() {}

  /** Base64 characters of the fp16 rerank features: 4 per started 3 bytes. */
  static long rerankChars(IndexSchema schema) {
    long bytes = 2L * schema.rerankFloats();
    return (bytes + 2) / 3 * 4;
  }

  /** Rejects shapes this collection layout cannot hold. */
  static void checkFits(IndexSchema schema) {
    if (schema.retrievalDim() > MAX_DIM) {
      throw new IllegalArgumentException("retrieval_dim " + schema.retrievalDim()
          + " is more than the " + MAX_DIM + " dimensions a Milvus vector field holds");
    }
    if (rerankChars(schema) > VARCHAR_MAX) {
      throw new IllegalArgumentException("rerank features of " + schema.rerankFloats()
          + " floats are " + rerankChars(schema) + " characters as fp16 Base64; a Milvus VARCHAR "
          + "holds at most " + VARCHAR_MAX);
    }
  }

  static CollectionSchema schema(IndexSchema schema) {
    CollectionSchema fields = MilvusClientV2.CreateSchema();
    fields.setEnableDynamicField(false);
    fields.addField(AddFieldReq.builder().fieldName(QID).dataType(DataType.VarChar)
        .maxLength(EntityRecord.MAX_QID_BYTES).isPrimaryKey(true).autoID(false).build());
    fields.addField(varchar(NAME, EntityRecord.MAX_NAME_BYTES));
    // Keys are derived text: NFKD may expand a string up to 11 times in UTF-8, so they get the
    // VARCHAR maximum rather than the source's limit. Milvus stores a VARCHAR at its length.
    fields.addField(varchar(NAME_KEY, VARCHAR_MAX));
    fields.addField(varcharArray(ALIASES, EntityRecord.MAX_ALIASES,
        EntityRecord.MAX_ALIAS_BYTES));
    fields.addField(varcharArray(ALIAS_KEYS, EntityRecord.MAX_ALIASES, VARCHAR_MAX));
    fields.addField(varcharArray(NAME_PARTS, NameKeys.MAX_ENTITY_PARTS, VARCHAR_MAX));
    fields.addField(varchar(DESCRIPTION, EntityRecord.MAX_DESCRIPTION_BYTES));
    fields.addField(varchar(IMAGE_REF, EntityRecord.MAX_IMAGE_REF_BYTES));
    fields.addField(AddFieldReq.builder().fieldName(RETRIEVAL).dataType(DataType.FloatVector)
        .dimension(schema.retrievalDim()).build());
    fields.addField(varchar(RERANK, (int) rerankChars(schema)));
    return fields;
  }

  static IndexParam retrievalIndex() {
    return IndexParam.builder().fieldName(RETRIEVAL).indexName(RETRIEVAL_INDEX)
        .indexType(IndexParam.IndexType.HNSW).metricType(IndexParam.MetricType.IP)
        .extraParams(Map.of("M", HNSW_M, "efConstruction", HNSW_EF_CONSTRUCTION)).build();
  }

  private static AddFieldReq varchar(String name, int maxBytes) {
    return AddFieldReq.builder().fieldName(name).dataType(DataType.VarChar).maxLength(maxBytes)
        .build();
  }

  private static AddFieldReq varcharArray(String name, int maxEntries, int maxBytes) {
    return AddFieldReq.builder().fieldName(name).dataType(DataType.Array)
        .elementType(DataType.VarChar).maxCapacity(maxEntries).maxLength(maxBytes).build();
  }
}
