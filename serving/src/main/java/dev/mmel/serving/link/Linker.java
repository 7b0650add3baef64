package dev.mmel.serving.link;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.InvalidInputException;
import dev.mmel.core.MentionInput;
import dev.mmel.core.PreparedInput;
import dev.mmel.model.dme.DescriptionEnhancer;
import dev.mmel.model.dme.Selection;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.SearchHit;
import dev.mmel.serving.batch.OverloadedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The linking flow (ARCHITECTURE.md, "Linking"): DME -> mention encoding -> ANN top-K from the
 * entity index -> the K candidates' stored encodings in one read -> the full score S = F + I
 * for the K -> NIL decision. The mentions of one call are prepared on the caller's thread and
 * encoded together (with other callers' mentions too, when the binding's encoder batches);
 * each mention fails alone.
 */
public final class Linker {
  private final BindingSource bindings;

  public Linker(BindingSource bindings) {
    this.bindings = bindings;
  }

  /**
   * Links one mention.
   * @throws InvalidInputException the mention's image cannot be decoded
   * @throws TimeoutException the deadline passed
   * @throws OverloadedException the model's queue is full
   * @throws IndexUnavailableException the index failed
   * @throws NotServingException nothing is served
   */
  public LinkResult link(LinkRequest request)
      throws InvalidInputException, TimeoutException, InterruptedException {
    LinkOutcome outcome = linkAll(List.of(request)).get(0);
    if (outcome.result() != null) {
      return outcome.result();
    }
    Exception error = outcome.error();
    if (error instanceof InvalidInputException invalid) {
      throw invalid;
    }
    if (error instanceof TimeoutException timeout) {
      throw timeout;
    }
    if (error instanceof InterruptedException interrupted) {
      throw interrupted;
    }
    throw (RuntimeException) error;
  }

  /** Links every mention, in order; a failure fails only its own mention. */
  public List<LinkOutcome> linkAll(List<LinkRequest> requests) throws InterruptedException {
    try (BindingSource.Lease lease = bindings.acquire()) {
      Binding binding = lease.binding();
      List<Pending> prepared = new ArrayList<>(requests.size());
      for (LinkRequest request : requests) {
        prepared.add(prepare(binding, request));
      }
      List<Pending> pending = new ArrayList<>(requests.size());
      // Submitted together once all are prepared, so that the call's mentions share a batch.
      binding.encoder().together(() -> prepared.forEach(p -> pending.add(submit(binding, p))));
      List<LinkOutcome> outcomes = new ArrayList<>(requests.size());
      for (Pending p : pending) {
        outcomes.add(p.failure != null ? LinkOutcome.failed(p.failure) : finish(binding, p));
      }
      return outcomes;
    } catch (NotServingException e) {
      List<LinkOutcome> outcomes = new ArrayList<>();
      requests.forEach(r -> outcomes.add(LinkOutcome.failed(e)));
      return outcomes;
    }
  }

  /**
   * A mention on its way: described and prepared, then submitted for encoding; or already
   * failed.
   */
  private record Pending(LinkRequest request, Selection description, PreparedInput prepared,
      CompletableFuture<MentionEncoder.Encoded> encoding, long started, long described,
      Exception failure) {}

  private static Pending prepare(Binding binding, LinkRequest request) {
    long started = System.nanoTime();
    MentionInput mention = request.mention();
    Selection description = Selection.byCallerOrNone(mention.description());
    if (mention.description().isEmpty() && binding.dme().isPresent()) {
      try {
        DescriptionEnhancer.Enhanced enhanced =
            binding.dme().get().enhance(mention, request.deadline(),
                request.options().filter()::allows);
        mention = enhanced.mention();
        description = enhanced.selection();
      } catch (RuntimeException e) {
        // DME's candidates come from the index's name look-up.
        return new Pending(request, description, null, null, started, started,
            new IndexUnavailableException("the entity index failed: " + e.getMessage(), e));
      }
    }
    long described = System.nanoTime();
    try {
      return new Pending(request, description, binding.model().prepareMention(mention), null,
          started, described, null);
    } catch (InvalidInputException | RuntimeException e) {
      return new Pending(request, description, null, null, started, described, e);
    }
  }

  private static Pending submit(Binding binding, Pending p) {
    if (p.failure() != null) {
      return p;
    }
    try {
      return new Pending(p.request(), p.description(), p.prepared(),
          binding.encoder().encode(p.prepared(), p.request().deadline()), p.started(),
          p.described(), null);
    } catch (RuntimeException e) {
      return new Pending(p.request(), p.description(), p.prepared(), null, p.started(),
          p.described(), e);
    }
  }

  private static LinkOutcome finish(Binding binding, Pending pending)
      throws InterruptedException {
    LinkRequest request = pending.request();
    LinkOptions options = request.options();
    try {
      MentionEncoder.Encoded encoded = await(pending.encoding(), request.deadline());
      long encodedAt = System.nanoTime();
      checkDeadline(request.deadline(), "retrieving candidates");
      List<EncodedEntity> candidates = retrieve(binding.index(), encoded.row().query(), options,
          pending.description().qid());
      long retrieved = System.nanoTime();
      checkDeadline(request.deadline(), "reranking");
      List<LinkedEntity> ranked = Reranker.rerank(binding.model(), binding.index().schema(),
          encoded.row(), candidates);
      long reranked = System.nanoTime();
      float threshold = options.nilThreshold().isPresent()
          ? (float) options.nilThreshold().getAsDouble() : binding.nilThreshold().value();
      boolean nil = ranked.isEmpty() || ranked.get(0).score() < threshold;
      return LinkOutcome.of(new LinkResult(
          ranked.subList(0, Math.min(options.topK(), ranked.size())), pending.description(),
          nil, threshold, new StageTimings(millis(pending.started(), pending.described()),
              millis(pending.described(), encodedAt), millis(encodedAt, retrieved),
              millis(retrieved, reranked), millis(pending.started(), System.nanoTime()),
              encoded.batchSize())));
    } catch (TimeoutException | RuntimeException e) {
      return LinkOutcome.failed(e);
    }
  }

  private static MentionEncoder.Encoded await(CompletableFuture<MentionEncoder.Encoded> encoding,
      Instant deadline) throws TimeoutException, InterruptedException {
    long waitNanos = Math.max(0, Duration.between(Instant.now(), deadline).toNanos());
    try {
      return encoding.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // Leave the batch: a mention not yet in a model call is dropped from it.
      encoding.cancel(false);
      throw new TimeoutException("the deadline passed while the mention waited to be encoded");
    } catch (CancellationException e) {
      throw new TimeoutException("the mention's encoding was cancelled");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TimeoutException timeout) {
        throw timeout;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("encoding the mention failed: " + cause, cause);
    } catch (InterruptedException e) {
      encoding.cancel(false);
      throw e;
    }
  }

  /**
   * The top K by inner product, with their stored encodings, in search order, then the entity
   * whose description DME chose when the search missed it. F alone ranks some entities far
   * lower than S does; the one the mention's name and sentence point to is the likeliest of
   * them, and reranking one more costs little.
   */
  private static List<EncodedEntity> retrieve(EntityIndex index, float[] query,
      LinkOptions options, Optional<String> describedQid) {
    try {
      List<SearchHit> hits = index.search(query, options.candidatesK(), options.filter());
      Set<String> qids = new LinkedHashSet<>();
      hits.forEach(hit -> qids.add(hit.qid()));
      describedQid.filter(options.filter()::allows).ifPresent(qids::add);
      Map<String, EncodedEntity> stored = index.entities(List.copyOf(qids));
      List<EncodedEntity> candidates = new ArrayList<>(qids.size());
      for (String qid : qids) {
        // A refresh may delete an entity between the search and the read: it is simply gone.
        EncodedEntity entity = stored.get(qid);
        if (entity != null) {
          candidates.add(entity);
        }
      }
      return candidates;
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IndexUnavailableException("the entity index failed: " + e.getMessage(), e);
    }
  }

  private static void checkDeadline(Instant deadline, String stage) throws TimeoutException {
    if (Instant.now().isAfter(deadline)) {
      throw new TimeoutException("the deadline passed before " + stage);
    }
  }

  private static double millis(long from, long to) {
    return (to - from) / 1e6;
  }
}
