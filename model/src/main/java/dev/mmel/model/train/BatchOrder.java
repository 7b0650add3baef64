package dev.mmel.model.train;

import dev.mmel.model.data.LabelledMention;
import java.util.List;

/** How one epoch's training mentions are cut into batches (each mention exactly once). */
public interface BatchOrder {
  List<List<LabelledMention>> batches(List<LabelledMention> train, int epoch);

  /** Words for the run's header line. */
  String describe();
}
