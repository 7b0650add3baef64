package dev.mmel.retriever;

/** One ANN result: the entity and its inner product with the query (F of spec 9). */
public record SearchHit(String qid, float score) {}
