package dev.mmel.serving.batch;

import java.util.List;

/**
 * The work a {@link DynamicBatcher} batches, e.g. one TensorFlow session run for many mentions.
 * Answers one result per item, in the items' order.
 */
@FunctionalInterface
public interface BatchFunction<I, O> {
  List<O> apply(List<I> items) throws Exception;
}
