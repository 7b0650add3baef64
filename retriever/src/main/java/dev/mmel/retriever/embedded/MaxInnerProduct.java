package dev.mmel.retriever.embedded;

/**
 * Undoes the order-preserving map Lucene applies to {@code MAXIMUM_INNER_PRODUCT} similarities to
 * keep scores positive ({@code VectorUtil.scaleMaxInnerProductScore}: {@code 1 / (1 - dot)} below
 * zero, {@code dot + 1} from zero up). Inverting it costs nothing per hit, where recomputing the
 * dot product would read every hit's vector; the round trip loses at most a few float ulps of the
 * larger of |dot| and 1. A test pins this to Lucene's function, so an upgrade that changes it
 * fails loudly.
 */
final class MaxInnerProduct {

  private MaxInnerProduct() {}

  static float innerProduct(float luceneScore) {
    return luceneScore < 1 ? 1 - 1 / luceneScore : luceneScore - 1;
  }
}
