package dev.mmel.retriever.embedded;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.NameKeys;
import dev.mmel.core.RerankFeatures;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.BytesRef;

/**
 * The Lucene document of one entity, and reading its parts back. The QID is a term (upserts
 * replace by it, filters match it) and a doc value (search hits read it without touching stored
 * fields, which hold some 20 KB of rerank features per entity).
 */
final class EntityDocuments {
  static final String QID = "qid";
  static final String RETRIEVAL = "retrieval";
  static final String NAME_KEY = "name_key";
  static final String NAME_PART = "name_part";

  private static final String NAME = "name";
  private static final String ALIAS = "alias";
  private static final String DESCRIPTION = "description";
  private static final String IMAGE_REF = "image_ref";
  private static final String RERANK = "rerank";
  private static final Set<String> RECORD_FIELDS = Set.of(QID, NAME, ALIAS, DESCRIPTION, IMAGE_REF);
  private static final Set<String> RERANK_FIELDS = Set.of(RERANK);
  private static final Set<String> ENTITY_FIELDS = Stream.concat(RECORD_FIELDS.stream(),
      RERANK_FIELDS.stream()).collect(Collectors.toUnmodifiableSet());

  private EntityDocuments() {}

  static Term qidTerm(String qid) {
    return new Term(QID, qid);
  }

  static Document of(EncodedEntity entity) {
    EntityRecord record = entity.record();
    Document doc = new Document();
    doc.add(new StringField(QID, record.qid(), Field.Store.YES));
    doc.add(new BinaryDocValuesField(QID, new BytesRef(record.qid())));
    doc.add(new KnnFloatVectorField(RETRIEVAL, entity.retrieval(),
        VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT));
    for (String key : nameKeys(record)) {
      doc.add(new StringField(NAME_KEY, key, Field.Store.NO));
    }
    for (String part : NameKeys.partsOf(record.name(), record.aliases())) {
      doc.add(new StringField(NAME_PART, part, Field.Store.NO));
    }
    doc.add(new StoredField(NAME, record.name()));
    for (String alias : record.aliases()) {
      doc.add(new StoredField(ALIAS, alias));
    }
    doc.add(new StoredField(DESCRIPTION, record.description()));
    doc.add(new StoredField(IMAGE_REF, record.imageRef()));
    doc.add(new StoredField(RERANK, entity.rerank().toFp16()));
    return doc;
  }

  static EntityRecord record(StoredFields stored, int doc) throws IOException {
    return record(stored.document(doc, RECORD_FIELDS));
  }

  static RerankFeatures rerank(StoredFields stored, int doc, IndexSchema schema)
      throws IOException {
    return rerank(stored.document(doc, RERANK_FIELDS), schema);
  }

  /**
   * The whole entity with one stored-fields read: record and rerank features share a compressed
   * block, which two reads would decompress twice.
   */
  static EncodedEntity entity(LeafReader segment, StoredFields stored, int doc,
      IndexSchema schema) throws IOException {
    Document fields = stored.document(doc, ENTITY_FIELDS);
    return new EncodedEntity(record(fields), retrieval(segment, doc), rerank(fields, schema));
  }

  private static EntityRecord record(Document fields) {
    return new EntityRecord(fields.get(QID), fields.get(NAME), List.of(fields.getValues(ALIAS)),
        fields.get(DESCRIPTION), fields.get(IMAGE_REF));
  }

  private static RerankFeatures rerank(Document fields, IndexSchema schema) {
    BytesRef bytes = fields.getBinaryValue(RERANK);
    return RerankFeatures.fromFp16(bytes.bytes, bytes.offset, bytes.length, schema);
  }

  /** The retrieval vector of a document of {@code segment}, as it was written. */
  static float[] retrieval(LeafReader segment, int doc) throws IOException {
    FloatVectorValues vectors = segment.getFloatVectorValues(RETRIEVAL);
    if (vectors == null || vectors.advance(doc) != doc) {
      throw new IllegalStateException("document " + doc + " has no retrieval vector");
    }
    return vectors.vectorValue().clone();
  }

  /** Distinct non-empty keys: a name made only of punctuation matches nothing. */
  private static Set<String> nameKeys(EntityRecord record) {
    Set<String> keys = new LinkedHashSet<>();
    keys.add(NameKeys.of(record.name()));
    for (String alias : record.aliases()) {
      keys.add(NameKeys.of(alias));
    }
    keys.remove("");
    return keys;
  }
}
