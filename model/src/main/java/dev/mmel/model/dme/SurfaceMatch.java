package dev.mmel.model.dme;

/**
 * Which KB entities a mention's surface names, for DME's candidates. Recorded with a described
 * dataset and set on the server alike, so that training, evaluation and serving see the same
 * mention texts.
 */
public enum SurfaceMatch {
  /** Entities whose normalised name or alias equals the surface's (spec 3 as written). */
  EXACT,
  /**
   * As {@link #EXACT}; when no entity matches so, the entities the surface names by part of a
   * name or alias ({@link dev.mmel.core.NameKeys#partsOf}): "Powers" finds Stefanie Powers.
   * Captions name people by surname about as often as by full name.
   */
  PARTIAL
}
