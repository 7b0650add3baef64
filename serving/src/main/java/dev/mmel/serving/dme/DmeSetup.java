package dev.mmel.serving.dme;

import dev.mmel.model.dme.DescriptionSelector;
import dev.mmel.model.dme.SurfaceMatch;
import java.util.Objects;

/** How serving runs DME: which entities a surface names, and who chooses among them. */
public record DmeSetup(DescriptionSelector selector, SurfaceMatch match) {
  public DmeSetup {
    Objects.requireNonNull(selector, "selector");
    Objects.requireNonNull(match, "match");
  }
}
