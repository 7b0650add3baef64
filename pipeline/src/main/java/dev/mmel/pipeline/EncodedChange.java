package dev.mmel.pipeline;

/** A {@link Change} after the encoder: an encoded upsert, or a delete ({@code upsert} null). */
public record EncodedChange(String qid, EncodedRow upsert) {

  boolean isDelete() {
    return upsert == null;
  }
}
