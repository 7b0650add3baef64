package dev.mmel.model.features;

import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.graph.SideBatch;
import java.io.IOException;
import java.util.List;

/**
 * Turns dataset items into a graph's inputs: cached frozen-backbone features, or token ids and
 * pixels for end-to-end CLIP. Texts follow spec 2 (mention [SEP] sentence [SEP] desc; name [SEP]
 * description).
 */
public interface SideBatchSource {
  SideBatch entities(List<KbEntity> entities) throws IOException;

  SideBatch mentions(List<LabelledMention> mentions) throws IOException;

  /** Items whose image was present but could not be decoded (fed as zeros), so far. */
  long unreadableImages();
}
