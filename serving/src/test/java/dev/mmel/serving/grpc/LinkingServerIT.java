package dev.mmel.serving.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.BadRequest;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.EntityInput;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.ImageInput;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.MentionInput;
import dev.mmel.core.PreparedInput;
import dev.mmel.core.Scores;
import dev.mmel.model.dme.SimilaritySelector;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.proto.v1.DescriptionSource;
import dev.mmel.proto.v1.EntityFilter;
import dev.mmel.proto.v1.GetInfoRequest;
import dev.mmel.proto.v1.GetInfoResponse;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkEntitiesResponse;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.LinkResult;
import dev.mmel.proto.v1.LinkedEntity;
import dev.mmel.proto.v1.Mention;
import dev.mmel.serving.ServingFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC server for real on 127.0.0.1: a tiny model with random weights and an embedded
 * index of 40 real WikiMEL entities, DME with the real bge-small similarity selector. Checks
 * the answers against the model itself, and every documented error.
 */
class LinkingServerIT {
  private static final int ENTITIES = 40;

  @TempDir
  static Path dir;

  private static SimilaritySelector selector;
  private static ServingFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    selector = SimilaritySelector.open(1);
    fixture = ServingFixture.start(dir, ENTITIES, ServingFixture.settings()
        .limits(ServingLimits.builder().defaultCandidatesK(20).build()).build(),
        Optional.of(selector));
  }

  @AfterAll
  static void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
    if (selector != null) {
      selector.close();
    }
  }

  private static Mention.Builder mention(String surface, String sentence) {
    return Mention.newBuilder().setSurface(surface).setSentence(sentence);
  }

  @Test
  void answersBestFirstWithAScoreThatIsTheSumOfItsParts() {
    EntityRecord target = fixture.entities().get(3);
    LinkResult result = fixture.stub().linkEntity(LinkEntityRequest.newBuilder()
        .setMention(mention(target.name(), target.name() + " was in the news.")
            .setOptions(LinkOptions.newBuilder().setTopK(7).setDebug(true))).build())
        .getResult();
    assertEquals(7, result.getEntitiesCount());
    for (int i = 0; i < result.getEntitiesCount(); i++) {
      LinkedEntity e = result.getEntities(i);
      if (i > 0) {
        assertTrue(result.getEntities(i - 1).getScore() >= e.getScore(), "best first");
      }
      assertEquals(e.getScore(), (e.getParts().getText() + e.getParts().getImage()
          + e.getParts().getCross()) / 3, 1e-3, "S = (text + image + cross) / 3");
      assertEquals(e.getScore(), e.getParts().getRetrieval() + e.getParts().getInteraction(),
          1e-4, "S = F + I");
      assertFalse(e.getName().isEmpty());
    }
    assertEquals(DescriptionSource.DESCRIPTION_SOURCE_SIMILARITY, result.getDescriptionSource(),
        "the surface is an entity's name, so DME found it");
    assertEquals(target.description(), result.getDescriptionUsed());
    assertTrue(result.hasTimings() && result.getTimings().getTotalMs() > 0);
    assertFalse(result.getNil(), "no NIL threshold is configured");
  }

  @Test
  void theServedRankingIsTheModelsOwnOverTheWholeKb() throws Exception {
    String surface = "Smith";
    String sentence = "Smith scored twice in the final.";
    LinkResult served = fixture.stub().linkEntity(LinkEntityRequest.newBuilder()
        .setMention(mention(surface, sentence).setOptions(LinkOptions.newBuilder()
            .setTopK(ENTITIES).setCandidatesK(ENTITIES))).build()).getResult();
    assertEquals(ENTITIES, served.getEntitiesCount(), "every entity retrieved and reranked");
    try (MmoeModel model = MmoeModel.load(fixture.modelDir(), SessionSettings.defaults())) {
      List<PreparedInput> prepared = new ArrayList<>();
      for (EntityRecord e : fixture.entities()) {
        prepared.add(model.prepareEntity(new EntityInput(e.name(), e.description(),
            ImageInput.none())));
      }
      EntityEncodings entities = model.encodeEntities(prepared);
      MentionEncodings m = model.encodeMentions(List.of(model.prepareMention(new MentionInput(
          surface, sentence, served.getDescriptionUsed(), ImageInput.none()))));
      Scores scores = model.scoreCandidates(m, entities, ENTITIES);
      List<Integer> direct = IntStream.range(0, ENTITIES).boxed()
          .sorted(Comparator.comparingDouble(i -> -scores.total()[i])).toList();
      assertEquals(fixture.entities().get(direct.get(0)).qid(), served.getEntities(0).getQid(),
          "the best entity is the model's best");
      for (LinkedEntity e : served.getEntitiesList()) {
        int i = indexOf(e.getQid());
        assertEquals(scores.total()[i], e.getScore(), 1e-2 * Math.max(1, Math.abs(e.getScore())),
            e.getQid() + ": served S against the model's (stored features are fp16)");
      }
    }
  }

  private static int indexOf(String qid) {
    for (int i = 0; i < fixture.entities().size(); i++) {
      if (fixture.entities().get(i).qid().equals(qid)) {
        return i;
      }
    }
    throw new AssertionError(qid + " is not in the KB");
  }

  @Test
  void aBatchAnswersInOrderAndABadMentionFailsAlone() {
    byte[] gif = "GIF89a not a jpeg".getBytes();
    byte[] brokenJpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3, 4, 5};
    LinkEntitiesResponse response = fixture.stub().linkEntities(LinkEntitiesRequest.newBuilder()
        .addMentions(mention("Smith", "Smith won."))
        .addMentions(mention("Jones", "Jones lost.").setImage(ByteString.copyFrom(gif)))
        .addMentions(mention("Brown", "Brown drew.").setImage(ByteString.copyFrom(brokenJpeg)))
        .addMentions(mention("", "blank surface"))
        .build());
    assertEquals(4, response.getOutcomesCount());
    assertTrue(response.getOutcomes(0).hasResult());
    assertEquals(List.of("mentions[1].image"), fields(response.getOutcomes(1).getError()));
    assertEquals(List.of("mentions[2].image"), fields(response.getOutcomes(2).getError()),
        "a JPEG signature with no image behind it fails in the decoder, naming the field");
    assertEquals(List.of("mentions[3].surface"), fields(response.getOutcomes(3).getError()));
  }

  @Test
  void theMentionsOfOneCallShareOneModelCall() {
    LinkEntitiesRequest.Builder request = LinkEntitiesRequest.newBuilder();
    for (int i = 0; i < 6; i++) {
      EntityRecord entity = fixture.entities().get(i);
      request.addMentions(mention(entity.name(), entity.name() + " spoke.")
          .setOptions(LinkOptions.newBuilder().setDebug(true)));
    }
    LinkEntitiesResponse response = fixture.stub().linkEntities(request.build());
    assertEquals(6, response.getOutcomesCount());
    for (int i = 0; i < 6; i++) {
      assertEquals(6, response.getOutcomes(i).getResult().getTimings().getBatchSize(),
          "mention " + i);
    }
  }

  @Test
  void badFieldsAreInvalidArgumentNamingEachFieldAndItsLimit() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().linkEntity(LinkEntityRequest.newBuilder().setMention(
            mention("x".repeat(600), "").setOptions(LinkOptions.newBuilder().setTopK(101)
                .setCandidatesK(5).setNilThreshold(Float.NaN).setFilter(EntityFilter
                    .newBuilder().addOnlyQids("not a qid!")))).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    List<String> fields = fields(status);
    assertEquals(List.of("mention.surface", "mention.options.top_k",
        "mention.options.candidates_k", "mention.options.nil_threshold",
        "mention.options.filter.only_qids[0]"), fields);
    assertTrue(status.getMessage().contains("mention.surface is 600 bytes of UTF-8; at most 512"),
        status.getMessage());
    assertTrue(status.getMessage().contains("top_k must be within 0..100"), status.getMessage());
  }

  @Test
  void aCallWithoutMentionsOrWithTooManyIsRefused() {
    StatusRuntimeException none = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().linkEntities(LinkEntitiesRequest.getDefaultInstance()));
    assertEquals(List.of("mentions"), fields(StatusProto.fromThrowable(none)));
  }

  @Test
  void theDeadlineIsHonoured() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().withDeadlineAfter(1, TimeUnit.MILLISECONDS).linkEntity(
            LinkEntityRequest.newBuilder().setMention(mention("Smith", "")).build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
  }

  @Test
  void theEntityDmeDescribedIsACandidateEvenWhenTheSearchMissesIt() {
    int rescued = 0;
    for (EntityRecord target : fixture.entities()) {
      LinkResult all = link(target, ENTITIES);
      LinkedEntity best = all.getEntities(0);
      String searchTop = all.getEntitiesList().stream()
          .max(Comparator.comparingDouble(e -> e.getParts().getRetrieval())).orElseThrow()
          .getQid();
      if (best.getQid().equals(target.qid()) && !searchTop.equals(target.qid())) {
        LinkResult one = link(target, 1);
        assertEquals(target.description(), one.getDescriptionUsed());
        assertEquals(target.qid(), one.getEntities(0).getQid(), "the search found only "
            + searchTop + ", DME described " + target.qid() + ", which S puts first");
        rescued++;
      }
    }
    assertTrue(rescued > 0, "the untrained model's F ranks some best entities below the top");
  }

  private static LinkResult link(EntityRecord target, int candidates) {
    return fixture.stub().linkEntity(LinkEntityRequest.newBuilder()
        .setMention(mention(target.name(), target.name() + " was in the news.")
            .setOptions(LinkOptions.newBuilder().setTopK(candidates).setCandidatesK(candidates)))
        .build()).getResult();
  }

  @Test
  void aFilterRestrictsTheSearch() {
    List<String> allowed = fixture.entities().subList(10, 13).stream().map(EntityRecord::qid)
        .toList();
    LinkResult result = fixture.stub().linkEntity(LinkEntityRequest.newBuilder()
        .setMention(mention("Smith", "").setOptions(LinkOptions.newBuilder().setTopK(5)
            .setFilter(EntityFilter.newBuilder().addAllOnlyQids(allowed)))).build())
        .getResult();
    assertEquals(3, result.getEntitiesCount());
    result.getEntitiesList().forEach(e -> assertTrue(allowed.contains(e.getQid()), e.getQid()));
  }

  @Test
  void aNilThresholdOverrideMakesTheAnswerNil() {
    LinkResult result = fixture.stub().linkEntity(LinkEntityRequest.newBuilder()
        .setMention(mention("Smith", "").setOptions(LinkOptions.newBuilder()
            .setNilThreshold(1e9f))).build()).getResult();
    assertTrue(result.getNil());
    assertEquals(1e9f, result.getNilThreshold());
  }

  @Test
  void healthIsServingAndInfoDescribesTheServer() {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(fixture.channel())
        .check(HealthCheckRequest.newBuilder().setService("mmel.v1.EntityLinker").build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
    GetInfoResponse info = fixture.stub().getInfo(GetInfoRequest.getDefaultInstance());
    assertEquals("b1", info.getIndexBuildId());
    assertEquals(ENTITIES, info.getIndexSize());
    assertEquals("embedded", info.getStore());
    assertTrue(info.getModelVersion().startsWith("mmoe-"));
    assertEquals("per_token", info.getGateMode());
    assertEquals(512, info.getLimits().getMaxSurfaceBytes());
  }

  private static List<String> fields(com.google.rpc.Status status) {
    assertEquals(Status.Code.INVALID_ARGUMENT.value(), status.getCode(), status.toString());
    try {
      for (com.google.protobuf.Any detail : status.getDetailsList()) {
        if (detail.is(BadRequest.class)) {
          return detail.unpack(BadRequest.class).getFieldViolationsList().stream()
              .map(BadRequest.FieldViolation::getField).toList();
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no BadRequest in " + status);
  }
}
