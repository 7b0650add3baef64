package dev.mmel.model.data;

/**
 * The dataset layouts mmel reads (docs/DATASETS.md). AUTO picks one by the files present, trying
 * REFERENCE, then WIKIMEL, then JSONL.
 */
public enum DatasetFormat {
  AUTO,
  /** The MIMIC / MMoE release: qid2id.json, kb_entity.json, PREFIX_{train,dev,test}.json. */
  REFERENCE,
  /** The shared WikiMEL files: mentions.json, qid2name.json, qid2abstract.json, splits.json. */
  WIKIMEL,
  /** mmel's own: kb.jsonl and mentions-SPLIT.jsonl. */
  JSONL
}
