package dev.mmel.serving.link;

import dev.mmel.model.dme.Selection;
import java.util.List;

/**
 * A linked mention: its entities best first, the DME description appended to it and where that
 * came from, and the NIL decision with the threshold it was taken at.
 */
public record LinkResult(List<LinkedEntity> entities, Selection description, boolean nil,
    float nilThreshold, StageTimings timings) {
  public LinkResult {
    entities = List.copyOf(entities);
  }
}
