package dev.mmel.app.cli;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.proto.v1.EntityFilter;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.LinkResult;
import dev.mmel.proto.v1.LinkedEntity;
import dev.mmel.proto.v1.Mention;
import dev.mmel.proto.v1.MentionOutcome;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Links labelled mentions through a running server, the served path whole (its DME included),
 * with every retrieved candidate returned, so each gold entity's fate is known: ranked (its rank
 * among the K), or not retrieved (0). A mention goes with its photo, as `mmel evaluate` ranks it;
 * a photo that cannot be read, or that the server refuses, is left out and counted, which is
 * what `mmel evaluate` does with an unreadable image.
 */
final class ServedRanking implements AutoCloseable {
  private static final int BATCH = 32;

  private final ManagedChannel channel;
  private final EntityLinkerGrpc.EntityLinkerBlockingStub stub;

  ServedRanking(String target) {
    this.channel = NettyChannelBuilder.forTarget(target).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    this.stub = EntityLinkerGrpc.newBlockingStub(channel);
  }

  /** The top answer of each mention: its score, and whether it is the gold entity. */
  record TopAnswers(float[] scores, boolean[] gold) {}

  /**
   * Gold ranks among the K reranked candidates (0 where the gold entity was not retrieved), how
   * many mentions the server's DME described otherwise than the dataset does, and their photos.
   */
  record Ranks(int[] ranks, int descriptionsDiffering, Photos photos) {}

  /**
   * Mentions sent with their photo, and those whose photo was left out: the file could not be
   * read, or the server refused it (not a JPEG or PNG, over its limits).
   */
  record Photos(int sent, int leftOut) {}

  Ranks ranks(List<LabelledMention> mentions, int candidatesK, ConsoleProgress progress) {
    int[] ranks = new int[mentions.size()];
    int[] differing = new int[1];
    Photos photos = link(mentions, candidatesK, candidatesK, false,
        progress.task("linking through the server, K " + candidatesK), (i, mention, result) -> {
          ranks[i] = rankOf(result, mention.answerQid());
          String expected = mention.description() == null ? "" : mention.description();
          differing[0] += expected.equals(result.getDescriptionUsed()) ? 0 : 1;
        });
    return new Ranks(ranks, differing[0], photos);
  }

  /**
   * Each mention's top answer, with its gold entity in the index or, with {@code withoutGold},
   * excluded from the search (as if the KB lacked it: the right answer is then NIL).
   */
  TopAnswers top(List<LabelledMention> mentions, boolean withoutGold, ConsoleProgress progress) {
    float[] scores = new float[mentions.size()];
    boolean[] gold = new boolean[mentions.size()];
    link(mentions, 1, 0, withoutGold, progress.task(withoutGold
        ? "linking with each gold entity excluded" : "linking"), (i, mention, result) -> {
          if (result.getEntitiesCount() == 0) {
            scores[i] = Float.NEGATIVE_INFINITY;
            return;
          }
          scores[i] = result.getEntities(0).getScore();
          gold[i] = result.getEntities(0).getQid().equals(mention.answerQid());
        });
    return new TopAnswers(scores, gold);
  }

  private interface ResultSink {
    void accept(int index, LabelledMention mention, LinkResult result);
  }

  private Photos link(List<LabelledMention> mentions, int topK, int candidatesK,
      boolean withoutGold, ConsoleProgress task, ResultSink sink) {
    int sent = 0;
    int leftOut = 0;
    for (int from = 0; from < mentions.size(); from += BATCH) {
      List<LabelledMention> part = mentions.subList(from, Math.min(mentions.size(), from + BATCH));
      List<Mention> requests = new ArrayList<>();
      for (LabelledMention mention : part) {
        Mention.Builder request = request(mention, topK, candidatesK, withoutGold);
        if (mention.imagePath() != null) {
          byte[] photo = readOrEmpty(mention);
          if (photo.length == 0) {
            leftOut++;
          } else {
            request.setImage(ByteString.copyFrom(photo));
          }
        }
        requests.add(request.build());
      }
      List<MentionOutcome> outcomes = call(requests);
      for (int i = 0; i < part.size(); i++) {
        MentionOutcome outcome = outcomes.get(i);
        if (outcome.hasError() && !requests.get(i).getImage().isEmpty()
            && refusesImage(outcome.getError())) {
          outcome = call(List.of(requests.get(i).toBuilder().clearImage().build())).get(0);
          leftOut++;
        } else if (!requests.get(i).getImage().isEmpty()) {
          sent++;
        }
        if (outcome.hasError()) {
          throw new IllegalStateException("mention " + part.get(i).sampleId() + " failed: "
              + outcome.getError().getMessage());
        }
        sink.accept(from + i, part.get(i), outcome.getResult());
      }
      task.count(Math.min(mentions.size(), from + BATCH), mentions.size(), "mentions");
    }
    return new Photos(sent, leftOut);
  }

  private static byte[] readOrEmpty(LabelledMention mention) {
    try {
      return Files.readAllBytes(mention.imagePath());
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private static Mention.Builder request(LabelledMention mention, int topK, int candidatesK,
      boolean withoutGold) {
    // The lowest finite score: the server refuses infinities, and ranks must never be NIL.
    LinkOptions.Builder options = LinkOptions.newBuilder().setTopK(topK)
        .setCandidatesK(candidatesK).setNilThreshold(-Float.MAX_VALUE);
    if (withoutGold) {
      options.setFilter(EntityFilter.newBuilder().addExcludedQids(mention.answerQid()));
    }
    // No description from the dataset: the server's own DME describes each mention.
    return Mention.newBuilder().setSurface(mention.mention())
        .setSentence(mention.sentence() == null ? "" : mention.sentence()).setOptions(options);
  }

  private List<MentionOutcome> call(List<Mention> requests) {
    try {
      return stub.withDeadlineAfter(60, TimeUnit.SECONDS).linkEntities(
          LinkEntitiesRequest.newBuilder().addAllMentions(requests).build()).getOutcomesList();
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException("the server refused a batch: " + e.getStatus().getCode()
          + ": " + e.getStatus().getDescription() + " (a K above the server's --max-top-k "
          + "needs a server started with a larger one)", e);
    }
  }

  /** Whether the mention's error names its image among the fields it broke. */
  private static boolean refusesImage(com.google.rpc.Status error) {
    for (Any detail : error.getDetailsList()) {
      if (!detail.is(BadRequest.class)) {
        continue;
      }
      try {
        for (BadRequest.FieldViolation violation
            : detail.unpack(BadRequest.class).getFieldViolationsList()) {
          if (violation.getField().endsWith(".image")) {
            return true;
          }
        }
      } catch (InvalidProtocolBufferException e) {
        return false;
      }
    }
    return false;
  }

  private static int rankOf(LinkResult result, String gold) {
    List<LinkedEntity> entities = result.getEntitiesList();
    for (int i = 0; i < entities.size(); i++) {
      if (entities.get(i).getQid().equals(gold)) {
        return i + 1;
      }
    }
    return 0;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
