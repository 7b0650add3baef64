package dev.mmel.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkEntitiesResponse;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.LinkResult;
import dev.mmel.proto.v1.LinkedEntity;
import dev.mmel.proto.v1.Mention;
import dev.mmel.proto.v1.MentionOutcome;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "link", mixinStandardHelpOptions = true,
    description = {"Links mentions through a running `mmel serve` (a gRPC client).",
        "One mention: mmel link MENTION [SENTENCE] [--image FILE]. Many: --file FILE, a JSONL "
        + "file of {\"surface\": ..., \"sentence\": ..., \"image\": PATH, \"description\": ...} "
        + "lines, sent in calls of --batch mentions. Answers as a table, or with --json as "
        + "JSONL (the proto's JSON mapping, one line per mention)."})
public final class LinkCommand extends MmelCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", arity = "0..1", paramLabel = "MENTION",
      description = "The mention's surface text.")
  String surface;

  @Parameters(index = "1", arity = "0..1", paramLabel = "SENTENCE",
      description = "The sentence it appears in.")
  String sentence;

  @Option(names = "--image", paramLabel = "FILE", description = "The mention's photo (JPEG/PNG).")
  Path image;

  @Option(names = "--file", paramLabel = "FILE", description = "JSONL file of mentions.")
  Path file;

  @Option(names = "--target", defaultValue = "127.0.0.1:50051",
      description = "The server, HOST:PORT (default ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--top-k", defaultValue = "0",
      description = "Entities per mention (default 0: the server's).")
  int topK;

  @Option(names = "--candidates-k", defaultValue = "0",
      description = "Candidates retrieved and reranked (default 0: the server's).")
  int candidatesK;

  @Option(names = "--batch", defaultValue = "32",
      description = "With --file: mentions per call (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--deadline", defaultValue = "30s",
      description = "Deadline of each call (default ${DEFAULT-VALUE}).")
  Duration deadline;

  @Option(names = "--token-env", paramLabel = "VAR",
      description = "Send 'authorization: Bearer TOKEN', TOKEN from this environment variable.")
  String tokenEnv;

  @Option(names = "--json", description = "Print JSONL instead of a table.")
  boolean json;

  @Option(names = "--debug", description = "Ask for per-stage timings.")
  boolean debug;

  @Override
  public Integer call() throws Exception {
    List<Mention> mentions = mentions();
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    try {
      EntityLinkerGrpc.EntityLinkerBlockingStub stub = EntityLinkerGrpc.newBlockingStub(channel);
      if (tokenEnv != null) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + System.getenv(tokenEnv));
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      int failed = 0;
      for (int from = 0; from < mentions.size(); from += batch) {
        List<Mention> part = mentions.subList(from, Math.min(mentions.size(), from + batch));
        LinkEntitiesResponse response;
        try {
          response = stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
              .linkEntities(LinkEntitiesRequest.newBuilder().addAllMentions(part).build());
        } catch (StatusRuntimeException e) {
          err().println("error: " + e.getStatus().getCode() + ": "
              + e.getStatus().getDescription());
          return 1;
        }
        for (int i = 0; i < part.size(); i++) {
          failed += print(part.get(i), response.getOutcomes(i)) ? 0 : 1;
        }
      }
      return failed == 0 ? 0 : 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private List<Mention> mentions() throws Exception {
    if (batch < 1) {
      throw invalid("--batch must be >= 1, got " + batch);
    }
    if ((file == null) == (surface == null)) {
      throw invalid("give a MENTION or --file, not both and not neither");
    }
    List<Mention> mentions = new ArrayList<>();
    if (file == null) {
      mentions.add(mention(surface, sentence, image, ""));
      return mentions;
    }
    Path base = file.toAbsolutePath().getParent();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int number = 0;
      for (String line; (line = reader.readLine()) != null; ) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node = JSON.readTree(line);
        if (!node.path("surface").isTextual()) {
          throw invalid(file + ":" + number + ": field 'surface' is required");
        }
        String imagePath = node.path("image").asText("");
        mentions.add(mention(node.path("surface").asText(), node.path("sentence").asText(""),
            imagePath.isEmpty() ? null : base.resolve(imagePath),
            node.path("description").asText("")));
      }
    }
    return mentions;
  }

  private Mention mention(String text, String context, Path imageFile, String description)
      throws java.io.IOException {
    Mention.Builder mention = Mention.newBuilder().setSurface(text)
        .setSentence(context == null ? "" : context).setDescription(description)
        .setOptions(LinkOptions.newBuilder().setTopK(topK).setCandidatesK(candidatesK)
            .setDebug(debug));
    if (imageFile != null) {
      mention.setImage(ByteString.copyFrom(Files.readAllBytes(imageFile)));
    }
    return mention.build();
  }

  /** @return whether the mention was linked */
  private boolean print(Mention mention, MentionOutcome outcome) throws Exception {
    if (json) {
      out().println(JsonFormat.printer().omittingInsignificantWhitespace().print(outcome));
      return !outcome.hasError();
    }
    out().printf(Locale.ROOT, "%n\"%s\" in: %s%n", mention.getSurface(), mention.getSentence());
    if (outcome.hasError()) {
      out().println("  error: " + outcome.getError().getMessage());
      return false;
    }
    LinkResult result = outcome.getResult();
    out().printf(Locale.ROOT, "  DME: %s%s%n", result.getDescriptionSource().name()
        .replace("DESCRIPTION_SOURCE_", "").toLowerCase(Locale.ROOT),
        result.getDescriptionUsed().isEmpty() ? "" : " \"" + abbreviate(
            result.getDescriptionUsed(), 70) + "\"");
    out().println("  | rank | QID | name | S | text | image | cross | F | I |");
    out().println("  |---|---|---|---|---|---|---|---|---|");
    int rank = 1;
    for (LinkedEntity e : result.getEntitiesList()) {
      out().printf(Locale.ROOT, "  | %d | %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |%n",
          rank++, e.getQid(), abbreviate(e.getName(), 40), e.getScore(), e.getParts().getText(),
          e.getParts().getImage(), e.getParts().getCross(), e.getParts().getRetrieval(),
          e.getParts().getInteraction());
    }
    if (result.getNil()) {
      out().printf(Locale.ROOT, "  NIL: the best score is under %.4f%n", result.getNilThreshold());
    }
    if (result.hasTimings()) {
      out().println("  timings: " + JsonFormat.printer().omittingInsignificantWhitespace()
          .print(result.getTimings()));
    }
    return true;
  }

  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }
}
