package dev.mmel.retriever;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BuildStateTest {

  @Test
  void pointersDecideFirstThenTheCompletionAndPublishedMarkers() {
    assertEquals(BuildState.LIVE, BuildState.of(true, false, false, false),
        "live whatever its markers say");
    assertEquals(BuildState.PREVIOUS, BuildState.of(false, true, true, true));
    assertEquals(BuildState.UNFINISHED, BuildState.of(false, false, false, true),
        "reopened for writing after it served");
    assertEquals(BuildState.FINISHED, BuildState.of(false, false, true, false));
    assertEquals(BuildState.RETIRED, BuildState.of(false, false, true, true));
    assertEquals("unfinished", BuildState.UNFINISHED.label());
  }

  @Test
  void gcMayCollectAllButTheLiveAndThePreviousBuild() {
    assertFalse(BuildState.LIVE.collectable());
    assertFalse(BuildState.PREVIOUS.collectable());
    assertTrue(BuildState.FINISHED.collectable() && BuildState.UNFINISHED.collectable()
        && BuildState.RETIRED.collectable());
  }
}
