package dev.mmel.pipeline;

/**
 * One change to apply to the index, in order: an upsert of {@code entity}, or a delete of
 * {@code qid} when {@code entity} is null. Full builds are all upserts; refreshes mix both.
 */
public record Change(String qid, EntityToEncode entity) {

  static Change upsert(EntityToEncode entity) {
    return new Change(entity.qid(), entity);
  }

  static Change delete(String qid) {
    return new Change(qid, null);
  }

  boolean isDelete() {
    return entity == null;
  }
}
