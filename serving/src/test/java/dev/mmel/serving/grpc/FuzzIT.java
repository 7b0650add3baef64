package dev.mmel.serving.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.google.rpc.BadRequest;
import dev.mmel.model.data.SharedData;
import dev.mmel.proto.v1.EntityFilter;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.GetInfoRequest;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkEntitiesResponse;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.Limits;
import dev.mmel.proto.v1.Mention;
import dev.mmel.proto.v1.MentionOutcome;
import dev.mmel.serving.ServingFixture;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 malformed requests, generated from a fixed seed, against a real server on 127.0.0.1:
 * corrupt and truncated JPEG/PNG photos, images over the pixel and byte limits, text that is
 * not UTF-8, text over its limit or blank, absurd options, bytes that are no request at all,
 * and calls holding no or too many mentions. Each must be answered INVALID_ARGUMENT with a
 * google.rpc.BadRequest naming the field (and the limit where there is one), the server must
 * stay up with its heap where it was, and valid requests must still be answered afterwards.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class FuzzIT {
  private static final long SEED = 0x6d6d656cL;
  private static final int REQUESTS = 10_000;
  private static final int IN_FLIGHT = 8;
  private static final long MAX_HEAP_GROWTH = 64L << 20;
  private static final MethodDescriptor<byte[], byte[]> LINK_ENTITY =
      RawMethods.of(EntityLinkerGrpc.getLinkEntityMethod());
  private static final MethodDescriptor<byte[], byte[]> LINK_ENTITIES =
      RawMethods.of(EntityLinkerGrpc.getLinkEntitiesMethod());
  /** Byte sequences no UTF-8 decoder accepts: bad leads, lone continuations, overlong forms,
   * surrogates, code points past U+10FFFF, a sequence cut short. */
  private static final byte[][] NOT_UTF8 = {
      {(byte) 0xC3, 0x28}, {(byte) 0xA0, (byte) 0xA1}, {(byte) 0xE2, 0x28, (byte) 0xA1},
      {(byte) 0xE2, (byte) 0x82, 0x28}, {(byte) 0xF0, 0x28, (byte) 0x8C, (byte) 0xBC},
      {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0x80},
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80,
          (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
  /** Blank to String.isBlank: no surface at all. */
  private static final String[] BLANKS = {"", " ", "\t", "\n\r ", "\u2003", "\u3000 \u2002"};
  private static final String[] BAD_QIDS = {"", "Q 42", "Q42;drop", "Q\u0661\u0662", "q/1",
      "Q" + "1".repeat(64), "Q42\n", "*"};
  private static final String[] TEXT_FIELDS = {"surface", "sentence", "description"};
  private static final String[] UNITS = {"a", "\u00e9", "\u20ac", "\ud83d\ude00"};

  @TempDir
  Path dir;

  /** What was sent, and what the answer must name. */
  enum Category {
    CORRUPT_IMAGE(220), IMAGE_OVER_PIXELS(80), IMAGE_OVER_BYTES(3), NOT_UTF8(140),
    TEXT_OVER_LIMIT(130), BLANK_SURFACE(60), ABSURD_OPTIONS(180), WIRE_GARBAGE(110),
    MENTION_COUNT(20), BATCH_OF_BAD(57);

    /** Draws per thousand. */
    final int weight;

    Category(int weight) {
      this.weight = weight;
    }
  }

  /**
   * One malformed call. {@code field} is the field the answer must name; {@code limit} is text
   * its description must hold (the limit broken), or null; {@code batchFields} are the fields of
   * a LinkEntities call's failed outcomes, one per mention, when the call itself succeeds.
   */
  private record Case(Category category, MethodDescriptor<byte[], byte[]> method, byte[] body,
      String field, String limit, List<String[]> batchFields) {}

  @Test
  void malformedRequestsAreInvalidArgumentNamingTheFieldAndTheServerLivesOn() throws Exception {
    try (ServingFixture fixture = ServingFixture.start(dir, 20,
        ServingFixture.settings().build(), Optional.empty())) {
      Limits limits = fixture.stub().getInfo(GetInfoRequest.getDefaultInstance()).getLimits();
      Generator generator = new Generator(new Random(SEED), limits, Images.load());
      for (int i = 0; i < 20; i++) {
        assertTrue(fixture.stub().linkEntity(valid(fixture)).getResult().getEntitiesCount() > 0);
      }
      long heapBefore = usedHeapAfterGc();

      AtomicLongArray sent = new AtomicLongArray(Category.values().length);
      AtomicLongArray passed = new AtomicLongArray(Category.values().length);
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      AtomicInteger failureCount = new AtomicInteger();
      Semaphore inFlight = new Semaphore(IN_FLIGHT);
      long start = System.nanoTime();
      for (int i = 0; i < REQUESTS; i++) {
        Case c = generator.next();
        sent.incrementAndGet(c.category().ordinal());
        inFlight.acquire();
        ListenableFuture<byte[]> answer = io.grpc.stub.ClientCalls.futureUnaryCall(
            fixture.channel().newCall(c.method(),
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)), c.body());
        int number = i;
        answer.addListener(() -> {
          try {
            String problem = check(c, answer);
            if (problem == null) {
              passed.incrementAndGet(c.category().ordinal());
            } else if (failureCount.incrementAndGet() <= 20) {
              failures.add("#" + number + " " + c.category() + ": " + problem);
            }
          } finally {
            inFlight.release();
          }
        }, MoreExecutors.directExecutor());
      }
      assertTrue(inFlight.tryAcquire(IN_FLIGHT, 120, TimeUnit.SECONDS),
          "the last calls were answered");
      double seconds = (System.nanoTime() - start) / 1e9;
      long heapAfter = usedHeapAfterGc();

      System.out.printf("[fuzz-it] %d malformed requests (seed %d, %d in flight) in %.1f s%n",
          REQUESTS, SEED, IN_FLIGHT, seconds);
      for (Category category : Category.values()) {
        System.out.printf("[fuzz-it]   %-18s %5d sent, %5d INVALID_ARGUMENT naming the field%n",
            category, sent.get(category.ordinal()), passed.get(category.ordinal()));
      }
      System.out.printf("[fuzz-it] used heap after GC: %.1f MB before, %.1f MB after%n",
          heapBefore / 1048576.0, heapAfter / 1048576.0);

      assertEquals(0, failureCount.get(), failureCount.get() + " wrong answers, the first: "
          + String.join("\n", failures));
      assertTrue(heapAfter - heapBefore < MAX_HEAP_GROWTH, "heap grew by "
          + (heapAfter - heapBefore) / 1048576 + " MB");
      // The server lives on and answers valid requests as before.
      assertEquals(HealthCheckResponse.ServingStatus.SERVING,
          HealthGrpc.newBlockingStub(fixture.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
              .check(HealthCheckRequest.newBuilder().setService("mmel.v1.EntityLinker").build())
              .getStatus());
      for (int i = 0; i < 20; i++) {
        assertTrue(fixture.stub().linkEntity(valid(fixture)).getResult().getEntitiesCount() > 0);
      }
    }
  }

  private static LinkEntityRequest valid(ServingFixture fixture) {
    String name = fixture.entities().get(3).name();
    return LinkEntityRequest.newBuilder().setMention(Mention.newBuilder().setSurface(name)
        .setSentence(name + " was in the news.")).build();
  }

  /** Null when the answer is what {@code c} must get, else what is wrong with it. */
  private static String check(Case c, ListenableFuture<byte[]> answer) {
    byte[] body;
    try {
      body = answer.get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof StatusRuntimeException rpc)) {
        return "failed with " + e.getCause();
      }
      if (c.batchFields() != null) {
        return "the call failed (" + rpc.getStatus() + ") instead of its mentions";
      }
      return checkStatus(StatusProto.fromThrowable(rpc), rpc.getStatus(), c.field(), c.limit());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    if (c.batchFields() == null) {
      return "answered OK";
    }
    try {
      List<MentionOutcome> outcomes = LinkEntitiesResponse.parseFrom(body).getOutcomesList();
      if (outcomes.size() != c.batchFields().size()) {
        return outcomes.size() + " outcomes for " + c.batchFields().size() + " mentions";
      }
      for (int i = 0; i < outcomes.size(); i++) {
        if (!outcomes.get(i).hasError()) {
          return "mention " + i + " was linked";
        }
        String[] expected = c.batchFields().get(i);
        String problem = checkStatus(outcomes.get(i).getError(), null, expected[0], expected[1]);
        if (problem != null) {
          return "mention " + i + ": " + problem;
        }
      }
      return null;
    } catch (InvalidProtocolBufferException e) {
      return "unreadable answer: " + e.getMessage();
    }
  }

  private static String checkStatus(com.google.rpc.Status status, Status grpc, String field,
      String limit) {
    if (status == null || status.getCode() != Status.Code.INVALID_ARGUMENT.value()) {
      return "status " + (grpc != null ? grpc : status);
    }
    BadRequest bad = null;
    try {
      for (com.google.protobuf.Any detail : status.getDetailsList()) {
        if (detail.is(BadRequest.class)) {
          bad = detail.unpack(BadRequest.class);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      return "unreadable details: " + e.getMessage();
    }
    if (bad == null || bad.getFieldViolationsCount() == 0) {
      return "no BadRequest field violations in " + status;
    }
    BadRequest.FieldViolation named = null;
    for (BadRequest.FieldViolation v : bad.getFieldViolationsList()) {
      if (v.getField().isEmpty() || v.getDescription().isEmpty()) {
        return "a violation without field or description: " + bad;
      }
      if (v.getField().equals(field)) {
        named = v;
      }
    }
    if (named == null) {
      return "no violation of " + field + " in " + bad;
    }
    if (limit != null && !named.getDescription().contains(limit)) {
      return field + " '" + named.getDescription() + "' does not name the limit '" + limit + "'";
    }
    return null;
  }

  /** Used heap once a full collection has run (the server is in this JVM). */
  private static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Draws the cases, one after another, from one seeded Random. */
  private static final class Generator {
    private final Random random;
    private final Limits limits;
    private final Images images;
    private final int totalWeight = Stream.of(Category.values()).mapToInt(c -> c.weight).sum();

    Generator(Random random, Limits limits, Images images) {
      this.random = random;
      this.limits = limits;
      this.images = images;
    }

    Case next() {
      int draw = random.nextInt(totalWeight);
      for (Category category : Category.values()) {
        draw -= category.weight;
        if (draw < 0) {
          return of(category);
        }
      }
      throw new AssertionError();
    }

    private Case of(Category category) {
      return switch (category) {
        case CORRUPT_IMAGE -> single(category, mention().setImage(bytes(images.corrupt(random))),
            "mention.image", null);
        case IMAGE_OVER_PIXELS -> single(category, mention().setImage(bytes(
            images.overPixels(random, limits.getMaxImagePixels()))), "mention.image",
            "over the limit of " + limits.getMaxImagePixels() + " pixels");
        case IMAGE_OVER_BYTES -> single(category, mention().setImage(bytes(images.overBytes(
            random, limits.getMaxImageBytes()))), "mention.image",
            "at most " + limits.getMaxImageBytes());
        case NOT_UTF8 -> notUtf8(category);
        case TEXT_OVER_LIMIT -> textOverLimit(category);
        case BLANK_SURFACE -> single(category, mention().setSurface(pick(BLANKS)),
            "mention.surface", "required");
        case ABSURD_OPTIONS -> absurdOptions(category);
        case WIRE_GARBAGE -> wireGarbage(category);
        case MENTION_COUNT -> mentionCount(category);
        case BATCH_OF_BAD -> batchOfBad(category);
      };
    }

    private Case single(Category category, Mention.Builder mention, String field, String limit) {
      return new Case(category, LINK_ENTITY,
          LinkEntityRequest.newBuilder().setMention(mention).build().toByteArray(), field, limit,
          null);
    }

    /** A mention that is fine apart from what the case breaks. */
    private Mention.Builder mention() {
      String surface = word(3 + random.nextInt(12));
      return Mention.newBuilder().setSurface(surface)
          .setSentence(random.nextBoolean() ? surface + " was seen " + word(8) + "." : "");
    }

    /** Surface, sentence or description bytes that are not UTF-8, sent as they are. */
    private Case notUtf8(Category category) {
      int broken = random.nextInt(TEXT_FIELDS.length);
      boolean batch = random.nextInt(5) == 0;
      int mentions = batch ? 1 + random.nextInt(4) : 1;
      int at = random.nextInt(mentions);
      UnknownFieldSet.Builder request = UnknownFieldSet.newBuilder();
      UnknownFieldSet.Field.Builder field = UnknownFieldSet.Field.newBuilder();
      for (int m = 0; m < mentions; m++) {
        Mention.Builder valid = mention();
        UnknownFieldSet.Builder mention = UnknownFieldSet.newBuilder();
        text(mention, Mention.SURFACE_FIELD_NUMBER, valid.getSurface());
        text(mention, Mention.SENTENCE_FIELD_NUMBER, valid.getSentence());
        if (m == at) {
          ByteArrayOutputStream bad = new ByteArrayOutputStream();
          bad.writeBytes(word(random.nextInt(20)).getBytes(StandardCharsets.UTF_8));
          bad.writeBytes(NOT_UTF8[random.nextInt(NOT_UTF8.length)]);
          if (random.nextBoolean()) {
            bad.writeBytes(word(random.nextInt(20)).getBytes(StandardCharsets.UTF_8));
          }
          int number = new int[] {Mention.SURFACE_FIELD_NUMBER, Mention.SENTENCE_FIELD_NUMBER,
              Mention.DESCRIPTION_FIELD_NUMBER}[broken];
          mention.mergeField(number, UnknownFieldSet.Field.newBuilder()
              .addLengthDelimited(ByteString.copyFrom(bad.toByteArray())).build());
        }
        field.addLengthDelimited(mention.build().toByteString());
      }
      request.addField(1, field.build());
      String prefix = batch ? "mentions[" + at + "]." : "mention.";
      return new Case(category, batch ? LINK_ENTITIES : LINK_ENTITY,
          request.build().toByteArray(), prefix + TEXT_FIELDS[broken], null, null);
    }

    private static void text(UnknownFieldSet.Builder message, int number, String value) {
      if (!value.isEmpty()) {
        message.mergeField(number, UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(ByteString.copyFromUtf8(value)).build());
      }
    }

    /** A text field over its byte limit, sometimes under it in characters. */
    private Case textOverLimit(Category category) {
      int which = random.nextInt(TEXT_FIELDS.length);
      int limit = new int[] {limits.getMaxSurfaceBytes(), limits.getMaxSentenceBytes(),
          limits.getMaxDescriptionBytes()}[which];
      String unit = pick(UNITS);
      int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
      int over = random.nextInt(8) == 0 ? 1 + random.nextInt(64 * limit) : 1 + random.nextInt(
          Math.max(1, limit / 4));
      String text = unit.repeat((limit + over + unitBytes - 1) / unitBytes);
      Mention.Builder mention = mention();
      switch (which) {
        case 0 -> mention.setSurface(text);
        case 1 -> mention.setSentence(text);
        default -> mention.setDescription(text);
      }
      return single(category, mention, "mention." + TEXT_FIELDS[which], "at most " + limit);
    }

    private Case absurdOptions(Category category) {
      Mention.Builder mention = mention();
      LinkOptions.Builder options = LinkOptions.newBuilder();
      String field;
      String limit;
      switch (random.nextInt(6)) {
        case 0 -> {
          int[] absurd = {limits.getMaxTopK() + 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE,
              limits.getMaxTopK() + 1 + random.nextInt(Integer.MAX_VALUE - limits.getMaxTopK()),
              -1 - random.nextInt(Integer.MAX_VALUE)};
          options.setTopK(absurd[random.nextInt(absurd.length)]);
          field = "top_k";
          limit = "0.." + limits.getMaxTopK();
        }
        case 1 -> {
          options.setCandidatesK(random.nextBoolean() ? -1 - random.nextInt(Integer.MAX_VALUE)
              : limits.getMaxCandidatesK() + 1 + random.nextInt(1 << 20));
          field = "candidates_k";
          limit = Integer.toString(limits.getMaxCandidatesK());
        }
        case 2 -> {
          int topK = 2 + random.nextInt(limits.getMaxTopK() - 1);
          options.setTopK(topK).setCandidatesK(1 + random.nextInt(topK - 1));
          field = "candidates_k";
          limit = "top_k.." + limits.getMaxCandidatesK();
        }
        case 3 -> {
          float[] absurd = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
              Float.intBitsToFloat(0x7fc00000 | random.nextInt(1 << 22))};
          options.setNilThreshold(absurd[random.nextInt(absurd.length)]);
          field = "nil_threshold";
          limit = "finite";
        }
        case 4 -> {
          boolean only = random.nextBoolean();
          List<String> qids = new ArrayList<>();
          int good = random.nextInt(5);
          for (int i = 0; i < good; i++) {
            qids.add("Q" + (1 + random.nextInt(1_000_000)));
          }
          qids.add(pick(BAD_QIDS));
          EntityFilter.Builder filter = EntityFilter.newBuilder();
          if (only) {
            filter.addAllOnlyQids(qids);
          } else {
            filter.addAllExcludedQids(qids);
          }
          options.setFilter(filter);
          field = "filter." + (only ? "only_qids" : "excluded_qids") + "[" + good + "]";
          limit = "1..64";
        }
        default -> {
          List<String> qids = new ArrayList<>();
          int count = limits.getMaxFilterQids() + 1 + random.nextInt(100);
          for (int i = 0; i < count; i++) {
            qids.add("Q" + i);
          }
          options.setFilter(EntityFilter.newBuilder().addAllOnlyQids(qids));
          field = "filter.only_qids";
          limit = "at most " + limits.getMaxFilterQids();
        }
      }
      return single(category, mention.setOptions(options), "mention.options." + field, limit);
    }

    /** Bytes that are no LinkEntityRequest, or one whose mention's surface has the wrong type. */
    private Case wireGarbage(Category category) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      String field = "request";
      String limit = "is not a valid protobuf message of this method";
      switch (random.nextInt(6)) {
        case 0 -> bytes.write(0); // tag 0 is no field
        case 1 -> varint(bytes, ((1 + random.nextInt(5000)) << 3) | (6 + random.nextInt(2)));
        case 2 -> { // a mention longer than the bytes that follow (at most 255 of noise)
          bytes.write(0x0A);
          varint(bytes, 256 + random.nextInt(1 << 20));
        }
        case 3 -> { // a varint of eleven bytes
          bytes.write(0x08);
          for (int i = 0; i < 10; i++) {
            bytes.write(0xFF);
          }
          bytes.write(0x01);
        }
        case 4 -> bytes.write(0x0C); // an end-group tag that ends nothing
        default -> { // mention.surface (a string) sent as a number: no surface was given
          byte[] mention = {0x08, (byte) (1 + random.nextInt(127))};
          bytes.write(0x0A);
          bytes.write(mention.length);
          bytes.writeBytes(mention);
          field = "mention.surface";
          limit = "required";
        }
      }
      if (!field.equals("mention.surface")) {
        byte[] noise = new byte[random.nextInt(256)];
        random.nextBytes(noise);
        bytes.writeBytes(noise);
      }
      boolean batch = field.equals("request") && random.nextInt(4) == 0;
      return new Case(category, batch ? LINK_ENTITIES : LINK_ENTITY, bytes.toByteArray(), field,
          limit, null);
    }

    /** LinkEntities with no mention, or more than a call may hold. */
    private Case mentionCount(Category category) {
      LinkEntitiesRequest.Builder request = LinkEntitiesRequest.newBuilder();
      if (random.nextBoolean()) {
        int count = limits.getMaxMentionsPerCall() + 1 + random.nextInt(64);
        for (int i = 0; i < count; i++) {
          request.addMentions(mention());
        }
      }
      return new Case(category, LINK_ENTITIES, request.build().toByteArray(), "mentions",
          "1.." + limits.getMaxMentionsPerCall(), null);
    }

    /** LinkEntities of bad mentions only: answered, each mention with its own violation. */
    private Case batchOfBad(Category category) {
      LinkEntitiesRequest.Builder request = LinkEntitiesRequest.newBuilder();
      List<String[]> fields = new ArrayList<>();
      int count = 1 + random.nextInt(6);
      for (int i = 0; i < count; i++) {
        String prefix = "mentions[" + i + "].";
        switch (random.nextInt(4)) {
          case 0 -> {
            request.addMentions(mention().setSurface(pick(BLANKS)));
            fields.add(new String[] {prefix + "surface", "required"});
          }
          case 1 -> {
            request.addMentions(mention().setOptions(LinkOptions.newBuilder()
                .setTopK(limits.getMaxTopK() + 1 + random.nextInt(1000))));
            fields.add(new String[] {prefix + "options.top_k", "0.." + limits.getMaxTopK()});
          }
          case 2 -> {
            request.addMentions(mention().setImage(bytes(images.corrupt(random))));
            fields.add(new String[] {prefix + "image", null});
          }
          default -> {
            request.addMentions(mention().setSurface("x".repeat(limits.getMaxSurfaceBytes() + 1
                + random.nextInt(100))));
            fields.add(new String[] {prefix + "surface", "at most "
                + limits.getMaxSurfaceBytes()});
          }
        }
      }
      return new Case(category, LINK_ENTITIES, request.build().toByteArray(), null, null,
          fields);
    }

    private String word(int length) {
      StringBuilder word = new StringBuilder();
      for (int i = 0; i < length; i++) {
        word.append((char) ('a' + random.nextInt(26)));
      }
      return word.toString();
    }

    private <T> T pick(T[] values) {
      return values[random.nextInt(values.length)];
    }

    private static void varint(ByteArrayOutputStream out, long value) {
      while ((value & ~0x7FL) != 0) {
        out.write((int) ((value & 0x7F) | 0x80));
        value >>>= 7;
      }
      out.write((int) value);
    }

    private static ByteString bytes(byte[] data) {
      return ByteString.copyFrom(data);
    }
  }

  /** Real WikiMEL photos, as the originals and as small JPEG and PNG copies, to break. */
  private record Images(List<byte[]> originals, List<byte[]> jpegs, List<byte[]> pngs) {
    private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    static Images load() throws IOException {
      List<byte[]> originals = new ArrayList<>();
      List<byte[]> jpegs = new ArrayList<>();
      List<byte[]> pngs = new ArrayList<>();
      List<Path> files;
      try (Stream<Path> listed = Files.list(SharedData.file("wikimel/images"))) {
        files = listed.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
      }
      for (Path file : files) {
        byte[] bytes = Files.readAllBytes(file);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        if (image == null) {
          continue;
        }
        if (bytes.length <= 200_000) {
          originals.add(bytes);
        }
        BufferedImage small = scaled(image, 96);
        jpegs.add(encode(small, "jpg"));
        pngs.add(encode(small, "png"));
      }
      assertTrue(originals.size() >= 3 && jpegs.size() >= 10, "WikiMEL photos to break");
      return new Images(originals, jpegs, pngs);
    }

    /** Truncated, or a signature followed by noise, or a header declaring no pixels. */
    byte[] corrupt(Random random) {
      boolean png = random.nextInt(3) == 0;
      byte[] base = png ? pick(random, pngs)
          : random.nextInt(5) == 0 ? pick(random, originals) : pick(random, jpegs);
      switch (random.nextInt(4)) {
        case 0, 1 -> {
          return Arrays.copyOf(base, 1 + random.nextInt(base.length * 3 / 4));
        }
        case 2 -> {
          byte[] signature = png ? PNG : JPEG;
          byte[] noisy = new byte[signature.length + random.nextInt(4096)];
          random.nextBytes(noisy);
          System.arraycopy(signature, 0, noisy, 0, signature.length);
          return noisy;
        }
        default -> {
          return png ? pngSized(base, 0, random.nextInt(100))
              : jpegSized(base, 0, random.nextInt(100));
        }
      }
    }

    /** A real image whose header declares more pixels than the limit. */
    byte[] overPixels(Random random, long maxPixels) {
      boolean png = random.nextBoolean();
      int maxSide = png ? 1 << 20 : 65_535;
      int width = (int) (maxPixels / maxSide) + 1 + random.nextInt(maxSide
          - (int) (maxPixels / maxSide) - 1);
      int height = (int) Math.min(maxSide, maxPixels / width + 1 + random.nextInt(5000));
      return png ? pngSized(pick(random, pngs), width, height)
          : jpegSized(pick(random, jpegs), width, height);
    }

    /** A JPEG signature and more bytes than an image may have. */
    byte[] overBytes(Random random, int maxBytes) {
      byte[] big = new byte[maxBytes + 1 + random.nextInt(4096)];
      System.arraycopy(JPEG, 0, big, 0, JPEG.length);
      return big;
    }

    private static byte[] pick(Random random, List<byte[]> from) {
      return from.get(random.nextInt(from.size()));
    }

    /** The JPEG with its frame header (SOFn) declaring width x height. */
    static byte[] jpegSized(byte[] jpeg, int width, int height) {
      byte[] out = jpeg.clone();
      int i = 2;
      while (i + 9 < out.length && (out[i] & 0xFF) == 0xFF) {
        int marker = out[i + 1] & 0xFF;
        int length = ((out[i + 2] & 0xFF) << 8) | (out[i + 3] & 0xFF);
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
            && marker != 0xCC) {
          out[i + 5] = (byte) (height >> 8);
          out[i + 6] = (byte) height;
          out[i + 7] = (byte) (width >> 8);
          out[i + 8] = (byte) width;
          return out;
        }
        i += 2 + length;
      }
      throw new IllegalStateException("no frame header in the JPEG");
    }

    /** The PNG with its IHDR declaring width x height (and a CRC that matches). */
    static byte[] pngSized(byte[] png, int width, int height) {
      byte[] out = png.clone();
      ByteBuffer buffer = ByteBuffer.wrap(out);
      buffer.putInt(16, width).putInt(20, height);
      CRC32 crc = new CRC32();
      crc.update(out, 12, 17);
      buffer.putInt(29, (int) crc.getValue());
      return out;
    }

    private static BufferedImage scaled(BufferedImage image, int longSide) {
      double scale = (double) longSide / Math.max(image.getWidth(), image.getHeight());
      int w = Math.max(1, (int) Math.round(image.getWidth() * scale));
      int h = Math.max(1, (int) Math.round(image.getHeight() * scale));
      BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = out.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, w, h, null);
      g.dispose();
      return out;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(image, format, out)) {
        throw new IOException("no ImageIO writer for " + format);
      }
      return out.toByteArray();
    }
  }
}
