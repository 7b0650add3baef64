package dev.mmel.retriever.embedded;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/** Translation between QIDs and the Lucene documents holding them, in one point-in-time reader. */
final class QidDocs {

  /** Receives one live document of a requested QID: its segment and number there. */
  interface Visitor {
    void visit(String qid, LeafReader segment, StoredFields stored, int doc) throws IOException;
  }

  private QidDocs() {}

  /**
   * Visits the live document of each QID the reader holds; unknown QIDs are skipped. Seeks the
   * terms dictionary segment by segment rather than running a query: no scoring, no collector,
   * and a QID is resolved in each segment with one seek.
   */
  static void forEach(IndexReader reader, Collection<String> qids, Visitor visitor)
      throws IOException {
    List<BytesRef> terms = qids.stream()
        .map(qid -> new BytesRef(Objects.requireNonNull(qid, "qids must not contain null")))
        .distinct().toList();
    for (LeafReaderContext leaf : reader.leaves()) {
      LeafReader segment = leaf.reader();
      Terms qidTerms = segment.terms(EntityDocuments.QID);
      if (qidTerms == null) {
        continue;
      }
      TermsEnum termsEnum = qidTerms.iterator();
      Bits live = segment.getLiveDocs();
      StoredFields stored = segment.storedFields();
      PostingsEnum postings = null;
      for (BytesRef term : terms) {
        if (!termsEnum.seekExact(term)) {
          continue;
        }
        postings = termsEnum.postings(postings, PostingsEnum.NONE);
        for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS;
            doc = postings.nextDoc()) {
          if (live == null || live.get(doc)) {
            visitor.visit(term.utf8ToString(), segment, stored, doc);
          }
        }
      }
    }
  }

  /**
   * The QIDs of these hits, index for index, read from the QID doc values. Doc values iterate
   * forwards only, so the hits are visited in document order.
   */
  static String[] of(IndexReader reader, ScoreDoc[] hits) throws IOException {
    Integer[] byDoc = new Integer[hits.length];
    Arrays.setAll(byDoc, i -> i);
    Arrays.sort(byDoc, Comparator.comparingInt(i -> hits[i].doc));
    List<LeafReaderContext> leaves = reader.leaves();
    String[] qids = new String[hits.length];
    int leafIndex = -1;
    BinaryDocValues values = null;
    for (int i : byDoc) {
      int doc = hits[i].doc;
      int hitLeaf = ReaderUtil.subIndex(doc, leaves);
      if (hitLeaf != leafIndex) {
        leafIndex = hitLeaf;
        values = leaves.get(leafIndex).reader().getBinaryDocValues(EntityDocuments.QID);
      }
      int segmentDoc = doc - leaves.get(leafIndex).docBase;
      if (values == null || !values.advanceExact(segmentDoc)) {
        throw new IllegalStateException("document " + doc + " of the index has no QID");
      }
      qids[i] = values.binaryValue().utf8ToString();
    }
    return qids;
  }
}
