package dev.mmel.app.bench;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.InvalidInputException;
import dev.mmel.core.LinkingModel;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.MentionInput;
import dev.mmel.core.PreparedInput;
import dev.mmel.core.ProgressListener;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.SearchHit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's own compute for the bench's requests, called directly on the {@link LinkingModel}
 * (no server, no batcher, no index in the clock): what serving adds is measured against it.
 * Each mention's candidates are the K entities the index retrieves for it, read before the
 * clock starts; the clock covers preparing the mention (tokenising, decoding its image),
 * encoding it, gathering the candidates' stored encodings into one batch, and score_candidates.
 */
final class ModelBaselines {
  private final LinkingModel model;
  private final EntityIndex index;
  private final List<MentionInput> mentions;
  private final List<List<String>> candidates;
  private final int k;

  private ModelBaselines(LinkingModel model, EntityIndex index, List<MentionInput> mentions,
      List<List<String>> candidates, int k) {
    this.model = model;
    this.index = index;
    this.mentions = mentions;
    this.candidates = candidates;
    this.k = k;
  }

  /**
   * Retrieves each mention's top {@code candidatesK} from {@code index} as serving would
   * (untimed); every mention keeps the same number of candidates, the fewest any got, so that
   * batches score a fixed K per mention.
   */
  static ModelBaselines prepare(LinkingModel model, EntityIndex index,
      List<MentionInput> mentions, int candidatesK, int batch, ProgressListener progress)
      throws InvalidInputException {
    List<List<String>> candidates = new ArrayList<>();
    int fewest = candidatesK;
    for (int from = 0; from < mentions.size(); from += batch) {
      List<MentionInput> part = mentions.subList(from, Math.min(mentions.size(), from + batch));
      MentionEncodings encoded = model.encodeMentions(prepareAll(model, part));
      for (int i = 0; i < part.size(); i++) {
        List<SearchHit> hits =
            index.search(encoded.rows(i, i + 1).query(), candidatesK, EntityFilter.none());
        candidates.add(hits.stream().map(SearchHit::qid).toList());
        fewest = Math.min(fewest, hits.size());
      }
      progress.count(candidates.size(), mentions.size(), "mentions");
    }
    if (fewest < 1) {
      throw new IllegalStateException("the index retrieved no candidates for some mention");
    }
    int k = fewest;
    return new ModelBaselines(model, index, List.copyOf(mentions),
        candidates.stream().map(c -> c.subList(0, k)).toList(), k);
  }

  /** Candidates scored per mention. */
  int k() {
    return k;
  }

  /**
   * One mention at a time, as one request would be computed: {@code warmup} unmeasured calls,
   * then {@code calls} measured, cycling through the mentions.
   */
  LoadResult single(int warmup, int calls, ProgressListener progress)
      throws InvalidInputException {
    return timed(warmup, calls, 1, "calls", progress, call -> {
      int m = call % mentions.size();
      List<EncodedEntity> stored = read(m);
      long t0 = System.nanoTime();
      MentionEncodings encoded = model.encodeMentions(List.of(
          model.prepareMention(mentions.get(m))));
      model.scoreCandidates(encoded, EntityEncodings.of(stored, index.schema()), k);
      return System.nanoTime() - t0;
    });
  }

  /**
   * Batches of {@code batch} mentions, as the server's batcher forms them at saturation: one
   * encode call and one score_candidates call of batch x K candidates per batch; the result's
   * latencies are per batch, its throughput in mentions per second.
   */
  LoadResult batched(int batch, int warmupBatches, int batches, ProgressListener progress)
      throws InvalidInputException {
    return timed(warmupBatches, batches, batch, "batches", progress, call -> {
      List<MentionInput> part = new ArrayList<>(batch);
      List<EncodedEntity> stored = new ArrayList<>(batch * k);
      for (int i = 0; i < batch; i++) {
        int m = (call * batch + i) % mentions.size();
        part.add(mentions.get(m));
        stored.addAll(read(m));
      }
      long t0 = System.nanoTime();
      MentionEncodings encoded = model.encodeMentions(prepareAll(model, part));
      model.scoreCandidates(encoded, EntityEncodings.of(stored, index.schema()), k);
      return System.nanoTime() - t0;
    });
  }

  /** One model call, numbered from 0, and the nanoseconds its clocked part took. */
  private interface Clocked {
    long run(int call) throws InvalidInputException;
  }

  /** {@code warmup} calls, then {@code calls} measured ones of {@code items} mentions each. */
  private static LoadResult timed(int warmup, int calls, int items, String unit,
      ProgressListener progress, Clocked work) throws InvalidInputException {
    long[] latencies = new long[calls];
    long measured = 0;
    for (int call = 0; call < warmup + calls; call++) {
      long elapsed = work.run(call);
      if (call >= warmup) {
        latencies[call - warmup] = elapsed;
        measured += elapsed;
      }
      progress.count(call + 1, warmup + calls, unit);
    }
    return new LoadResult(latencies, Map.of(LoadResult.OK, (long) calls * items),
        measured / 1e9);
  }

  /** Mention {@code m}'s candidates' stored encodings, in retrieval order. */
  private List<EncodedEntity> read(int m) {
    List<String> qids = candidates.get(m);
    Map<String, EncodedEntity> stored = new HashMap<>(index.entities(qids));
    List<EncodedEntity> ordered = new ArrayList<>(qids.size());
    for (String qid : qids) {
      EncodedEntity entity = stored.get(qid);
      if (entity == null) {
        throw new IllegalStateException("candidate " + qid + " vanished from the index");
      }
      ordered.add(entity);
    }
    return ordered;
  }

  private static List<PreparedInput> prepareAll(LinkingModel model, List<MentionInput> part)
      throws InvalidInputException {
    List<PreparedInput> prepared = new ArrayList<>(part.size());
    for (MentionInput mention : part) {
      prepared.add(model.prepareMention(mention));
    }
    return prepared;
  }
}
