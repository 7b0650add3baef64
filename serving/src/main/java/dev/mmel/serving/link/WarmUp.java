package dev.mmel.serving.link;

import dev.mmel.core.ImageInput;
import dev.mmel.core.MentionInput;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Links one made-up mention on a binding before it serves: TensorFlow builds its kernels and
 * the index loads its first pages on the first call, which would otherwise cost the first real
 * request seconds (right after a start or a hot swap).
 */
public final class WarmUp {
  private WarmUp() {}

  /** @return what the warm-up link gave; failures are the binding's and are thrown */
  public static LinkOutcome run(Binding binding) throws InterruptedException {
    BindingSource only = () -> new BindingSource.Lease() {
      @Override
      public Binding binding() {
        return binding;
      }

      @Override
      public void close() {}
    };
    LinkRequest request = new LinkRequest(
        new MentionInput("warm up", "The server warms up its model.", "", ImageInput.none()),
        LinkOptions.of(1, 8), Instant.now().plus(Duration.ofMinutes(5)));
    return new Linker(only).linkAll(List.of(request)).get(0);
  }
}
