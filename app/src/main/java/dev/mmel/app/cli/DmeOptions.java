package dev.mmel.app.cli;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.mmel.model.dme.DescriptionSelector;
import dev.mmel.model.dme.SimilaritySelector;
import dev.mmel.model.dme.SurfaceMatch;
import dev.mmel.serving.dme.DmeSetup;
import dev.mmel.serving.dme.LlmDescriptionSelector;
import dev.mmel.serving.dme.LlmSelectorSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** How serving chooses DME descriptions: the embedded similarity selector, an LLM, or none. */
public final class DmeOptions {
  /** Lower case: picocli matches the option's values to these names. */
  enum Mode { similarity, llm, off }

  @Option(names = "--dme", defaultValue = "similarity",
      description = "DME selector: similarity (bge-small, embedded; default), llm (an "
          + "OpenAI-compatible endpoint, falling back to similarity on timeout, error or an "
          + "unparsable answer) or off.")
  Mode mode;

  @Option(names = "--dme-match", defaultValue = "partial", paramLabel = "exact|partial",
      converter = SurfaceMatchConverter.class,
      description = "Which entities a mention's surface names for DME: exact (normalised name "
          + "or alias equal) or partial (exact, else a leading or trailing run of a name's "
          + "words: \"Powers\" finds Stefanie Powers). Use what `mmel data dme --dme-match` "
          + "prepared the model's training data with. Default: ${DEFAULT-VALUE}.")
  SurfaceMatch match;

  @Option(names = "--llm-url", paramLabel = "URL",
      description = "With --dme llm: the endpoint's base URL (POST URL/v1/chat/completions).")
  String llmUrl;

  @Option(names = "--llm-model", paramLabel = "NAME", description = "With --dme llm: the model.")
  String llmModel;

  @Option(names = "--llm-key-env", paramLabel = "VAR",
      description = "With --dme llm: the environment variable holding the API key (sent as a "
          + "bearer token; never logged).")
  String llmKeyEnv;

  @Option(names = "--llm-timeout", defaultValue = "2s",
      description = "With --dme llm: the longest an answer may take, within the call's "
          + "deadline (default ${DEFAULT-VALUE}).")
  Duration llmTimeout;

  /** The selector chosen, what closes it, and its cache counts for metrics. */
  public interface Selector extends AutoCloseable {
    /** The selector with the surface match, as the server's binding takes them; empty: off. */
    Optional<DmeSetup> setup();

    String describe();

    Optional<Supplier<CacheStats>> llmStats();

    @Override
    void close();
  }

  public Selector open(int threads) {
    if (mode == Mode.off) {
      return selector(Optional.empty(), "off", Optional.empty(), () -> { });
    }
    SimilaritySelector similarity = SimilaritySelector.open(threads);
    if (mode == Mode.similarity) {
      return selector(Optional.of(similarity), "similarity (bge-small), "
          + SurfaceMatchConverter.name(match) + " match", Optional.empty(),
          similarity::close);
    }
    if (llmUrl == null || llmModel == null) {
      similarity.close();
      throw new IllegalArgumentException("--dme llm needs --llm-url and --llm-model");
    }
    LlmSelectorSettings.Builder settings = LlmSelectorSettings.builder().baseUrl(llmUrl)
        .model(llmModel).timeout(llmTimeout);
    if (llmKeyEnv != null) {
      settings.apiKeyVariable(llmKeyEnv);
    }
    LlmDescriptionSelector llm = new LlmDescriptionSelector(settings.build(), similarity);
    return selector(Optional.of(llm), "llm " + llmModel + " (falls back to similarity), "
        + SurfaceMatchConverter.name(match) + " match",
        Optional.of(() -> CacheStats.of(llm.stats().cacheHits(), llm.stats().cacheMisses(), 0,
            0, 0, 0, 0)), similarity::close);
  }

  private Selector selector(Optional<DescriptionSelector> selector, String description,
      Optional<Supplier<CacheStats>> stats, Runnable close) {
    return new Selector() {
      @Override
      public Optional<DmeSetup> setup() {
        return selector.map(s -> new DmeSetup(s, match));
      }

      @Override
      public String describe() {
        return description;
      }

      @Override
      public Optional<Supplier<CacheStats>> llmStats() {
        return stats;
      }

      @Override
      public void close() {
        close.run();
      }
    };
  }
}
