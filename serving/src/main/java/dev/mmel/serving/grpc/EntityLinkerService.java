package dev.mmel.serving.grpc;

import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.GetInfoRequest;
import dev.mmel.proto.v1.GetInfoResponse;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkEntitiesResponse;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.LinkEntityResponse;
import dev.mmel.proto.v1.Mention;
import dev.mmel.proto.v1.MentionOutcome;
import dev.mmel.serving.link.LinkOutcome;
import dev.mmel.serving.link.LinkRequest;
import dev.mmel.serving.link.Linker;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * mmel.v1.EntityLinker over the {@link Linker}: checks each mention against the limits (all
 * violations of a mention reported together), links the valid ones in one go, and answers in
 * request order, each failed mention with its own status.
 */
public final class EntityLinkerService extends EntityLinkerGrpc.EntityLinkerImplBase {
  private final Linker linker;
  private final MentionRequests requests;
  private final Supplier<GetInfoResponse> info;
  private final Duration defaultDeadline;
  private final ServingMetrics metrics;

  public EntityLinkerService(Linker linker, MentionRequests requests,
      Supplier<GetInfoResponse> info, Duration defaultDeadline, ServingMetrics metrics) {
    this.linker = linker;
    this.requests = requests;
    this.info = info;
    this.defaultDeadline = defaultDeadline;
    this.metrics = metrics;
  }

  @Override
  public void linkEntity(LinkEntityRequest request,
      StreamObserver<LinkEntityResponse> responses) {
    if (refused(request, responses)) {
      return;
    }
    MentionOutcome outcome = linkAll(List.of(request.getMention()), "mention.").get(0);
    if (outcome.hasError()) {
      responses.onError(GrpcErrors.exception(outcome.getError()));
      return;
    }
    responses.onNext(LinkEntityResponse.newBuilder().setResult(outcome.getResult()).build());
    responses.onCompleted();
  }

  @Override
  public void linkEntities(LinkEntitiesRequest request,
      StreamObserver<LinkEntitiesResponse> responses) {
    if (refused(request, responses)) {
      return;
    }
    int count = request.getMentionsCount();
    int max = requests.limits().maxMentionsPerCall();
    if (count == 0 || count > max) {
      responses.onError(GrpcErrors.exception(GrpcErrors.invalid(List.of(new FieldViolation(
          "mentions", "must hold 1.." + max + " mentions, got " + count)))));
      return;
    }
    List<MentionOutcome> outcomes = linkAll(request.getMentionsList(), null);
    responses.onNext(LinkEntitiesResponse.newBuilder().addAllOutcomes(outcomes).build());
    responses.onCompleted();
  }

  @Override
  public void getInfo(GetInfoRequest request, StreamObserver<GetInfoResponse> responses) {
    responses.onNext(info.get());
    responses.onCompleted();
  }

  /** @param single the field prefix of a lone mention; null for "mentions[i]." */
  private List<MentionOutcome> linkAll(List<Mention> mentions, String single) {
    long start = System.nanoTime();
    Instant deadline = deadline();
    MentionOutcome[] outcomes = new MentionOutcome[mentions.size()];
    List<LinkRequest> valid = new ArrayList<>();
    List<Integer> validAt = new ArrayList<>();
    for (int i = 0; i < mentions.size(); i++) {
      String prefix = single != null ? single : "mentions[" + i + "].";
      List<FieldViolation> violations = requests.check(mentions.get(i), prefix);
      if (violations.isEmpty()) {
        valid.add(requests.toRequest(mentions.get(i), deadline));
        validAt.add(i);
      } else {
        outcomes[i] = failed(GrpcErrors.invalid(violations));
      }
    }
    double validateMs = (System.nanoTime() - start) / 1e6;
    if (!valid.isEmpty()) {
      List<LinkOutcome> linked;
      try {
        linked = linker.linkAll(valid);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw GrpcErrors.exception(GrpcErrors.of(e, ""));
      }
      for (int v = 0; v < valid.size(); v++) {
        int i = validAt.get(v);
        LinkOutcome outcome = linked.get(v);
        String prefix = single != null ? single : "mentions[" + i + "].";
        if (outcome.result() != null) {
          metrics.linked(outcome.result());
          outcomes[i] = MentionOutcome.newBuilder().setResult(ProtoResults.of(outcome.result(),
              valid.get(v).options().debug(), validateMs)).build();
        } else {
          outcomes[i] = failed(GrpcErrors.of(outcome.error(), prefix));
        }
      }
    }
    for (MentionOutcome outcome : outcomes) {
      metrics.answered(outcome);
    }
    return List.of(outcomes);
  }

  /** Answers a request the marshaller could not read, naming the field where it could. */
  private static boolean refused(com.google.protobuf.Message request,
      StreamObserver<?> responses) {
    Optional<com.google.rpc.Status> refusal = Utf8CheckingMarshaller.refusal(request);
    refusal.ifPresent(status -> responses.onError(GrpcErrors.exception(status)));
    return refusal.isPresent();
  }

  private static MentionOutcome failed(com.google.rpc.Status status) {
    return MentionOutcome.newBuilder().setError(status).build();
  }

  /** The call's deadline, or the server's default for calls without one. */
  private Instant deadline() {
    Deadline deadline = Context.current().getDeadline();
    long nanos = deadline != null ? deadline.timeRemaining(TimeUnit.NANOSECONDS)
        : defaultDeadline.toNanos();
    return Instant.now().plusNanos(nanos);
  }
}
