package dev.mmel.serving.dme;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.mmel.core.MentionInput;
import dev.mmel.model.dme.DescriptionCandidate;
import dev.mmel.model.dme.DescriptionSelector;
import dev.mmel.model.dme.DescriptionSource;
import dev.mmel.model.dme.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DME's LLM selector (spec 3): asks an OpenAI-compatible endpoint which candidate fits the
 * mention's sentence. It never fails its caller: when the LLM cannot answer in time, errs, or
 * replies with something other than a candidate number, the fallback selector given at
 * construction (in production the embedded similarity selector) answers instead. Answers are
 * cached by mention, sentence and candidates, so repeated mentions cost one request.
 */
public final class LlmDescriptionSelector implements DescriptionSelector {
  private static final Logger LOG = LoggerFactory.getLogger(LlmDescriptionSelector.class);

  // Less than this cannot cover even a local round trip; asking would only add a late cancel.
  private static final Duration MIN_BUDGET = Duration.ofMillis(1);

  private final LlmSelectorSettings settings;
  private final ChatCompletionsClient client;
  private final DescriptionSelector fallback;
  private final Cache<Key, Selection> cache;
  private final LongAdder calls = new LongAdder();
  private final LongAdder llmAnswers = new LongAdder();
  private final LongAdder fallbackFailures = new LongAdder();
  private final Map<FallbackReason, LongAdder> fallbacks = new EnumMap<>(FallbackReason.class);
  // Logs a failing endpoint once when it starts failing and once when it recovers, not per call.
  private final AtomicBoolean failing = new AtomicBoolean();

  /** What a choice depends on: the candidates' order matters, since the LLM answers a number. */
  private record Key(String mention, String sentence, List<DescriptionCandidate> candidates) {}

  public LlmDescriptionSelector(LlmSelectorSettings settings, DescriptionSelector fallback) {
    if (settings == null || fallback == null) {
      throw new IllegalArgumentException("settings and fallback selector must be given");
    }
    this.settings = settings;
    this.client = new ChatCompletionsClient(settings);
    this.fallback = fallback;
    // Eviction runs on the calling thread, keeping work off the shared fork-join pool.
    this.cache = Caffeine.newBuilder()
        .executor(Runnable::run)
        .maximumSize(settings.cacheSize())
        .expireAfterWrite(settings.cacheTtl())
        .recordStats()
        .build();
    for (FallbackReason reason : FallbackReason.values()) {
      fallbacks.put(reason, new LongAdder());
    }
  }

  /**
   * The LLM's choice, or the fallback's when the LLM gives none by {@code deadline} (capped by
   * the configured timeout; {@code null} means the timeout alone). Never throws.
   */
  @Override
  public Selection select(MentionInput mention, List<DescriptionCandidate> candidates,
      Instant deadline) {
    calls.increment();
    if (candidates == null || candidates.isEmpty()) {
      return Selection.none();
    }
    Key key = new Key(mention.mention(), mention.sentence(), List.copyOf(candidates));
    // A look-up, not a loading get: concurrent identical questions each ask, since each has its
    // own deadline and none should wait on another caller's request.
    Selection cached = cache.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    Duration budget = budget(deadline);
    if (budget.compareTo(MIN_BUDGET) < 0) {
      return fallBack(FallbackReason.TIMEOUT, "the deadline had passed before asking",
          mention, candidates, deadline);
    }
    String reply;
    try {
      reply = client.complete(SelectionPrompt.of(mention, candidates), budget);
    } catch (ChatCompletionException e) {
      return fallBack(e.reason(), e.getMessage(), mention, candidates, deadline);
    } catch (RuntimeException e) {
      return fallBack(FallbackReason.ERROR, "unexpected " + e.getClass().getSimpleName(),
          mention, candidates, deadline);
    }
    OptionalInt choice = AnswerParser.choice(reply, candidates.size());
    if (choice.isEmpty()) {
      return fallBack(FallbackReason.UNPARSABLE, "reply is not a number in [0, "
          + candidates.size() + "]: '" + abbreviate(reply) + "'", mention, candidates, deadline);
    }
    Selection selection = choice.getAsInt() == 0 ? Selection.none()
        : Selection.of(candidates.get(choice.getAsInt() - 1), DescriptionSource.LLM);
    cache.put(key, selection);
    llmAnswers.increment();
    if (failing.compareAndSet(true, false)) {
      LOG.info("LLM selector at {} answers again", settings.completionsUri());
    }
    return selection;
  }

  public LlmSelectorStats stats() {
    CacheStats cacheStats = cache.stats();
    return new LlmSelectorStats(calls.sum(), cacheStats.hitCount(), cacheStats.missCount(),
        llmAnswers.sum(), fallbacks.get(FallbackReason.TIMEOUT).sum(),
        fallbacks.get(FallbackReason.ERROR).sum(), fallbacks.get(FallbackReason.UNPARSABLE).sum(),
        fallbackFailures.sum());
  }

  public LlmSelectorSettings settings() {
    return settings;
  }

  private Duration budget(Instant deadline) {
    if (deadline == null) {
      return settings.timeout();
    }
    Duration left = Duration.between(Instant.now(), deadline);
    if (left.isNegative()) {
      return Duration.ZERO;
    }
    return left.compareTo(settings.timeout()) < 0 ? left : settings.timeout();
  }

  private Selection fallBack(FallbackReason reason, String why, MentionInput mention,
      List<DescriptionCandidate> candidates, Instant deadline) {
    fallbacks.get(reason).increment();
    if (failing.compareAndSet(false, true)) {
      LOG.warn("LLM selector falling back ({}): {}", reason, why);
    } else {
      LOG.debug("LLM selector falling back ({}): {}", reason, why);
    }
    try {
      return fallback.select(mention, candidates, deadline);
    } catch (RuntimeException e) {
      // Abstaining is always a valid DME outcome; failing the request for a description is not.
      fallbackFailures.increment();
      LOG.error("fallback description selector failed; answering none", e);
      return Selection.none();
    }
  }

  private static String abbreviate(String reply) {
    String flat = reply.replaceAll("\\s+", " ");
    return flat.length() <= 40 ? flat : flat.substring(0, 40) + "...";
  }
}
