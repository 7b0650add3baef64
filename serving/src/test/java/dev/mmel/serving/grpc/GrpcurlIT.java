package dev.mmel.serving.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmel.core.EntityRecord;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.serving.ServingFixture;
import dev.mmel.testkit.GoTools;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a person who never saw its code meets it: with the real grpcurl (installed by
 * infra/tools.sh from the Go module proxy), relying only on server reflection, JSON bodies and
 * the documented error details.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class GrpcurlIT {
  private static final int ENTITIES = 40;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Every grpcurl run is bounded, and so is each call it makes. */
  private static final long RUN_TIMEOUT_S = 60;

  @TempDir
  static Path dir;

  private static Path grpcurl;
  private static ServingFixture fixture;
  private static String address;

  @BeforeAll
  static void start() throws Exception {
    grpcurl = installGrpcurl();
    fixture = ServingFixture.start(dir, ENTITIES, ServingFixture.settings().build(),
        Optional.empty());
    address = "127.0.0.1:" + fixture.server().port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** Go is part of this project's toolchain (here and in CI): no Go is a failure, not a skip. */
  private static Path installGrpcurl() throws Exception {
    try {
      return GoTools.binary("grpcurl");
    } catch (IllegalStateException e) {
      String go;
      try {
        go = run(List.of("go", "version")).stdout().strip();
      } catch (UncheckedIOException notFound) {
        go = "no `go` on the PATH (" + notFound.getMessage() + ")";
      }
      throw new AssertionError("grpcurl could not be installed with infra/tools.sh install ("
          + e.getMessage() + "); Go: " + go + ". Install Go (the project's CI has it) and make "
          + "the Go module proxy reachable once; the tool is then kept in .cache/tools/bin", e);
    }
  }

  @Test
  void reflectionListsTheServiceAndHealth() {
    Result list = grpcurl("list");
    assertEquals(0, list.exitCode(), list.toString());
    List<String> services = list.stdout().lines().map(String::strip).toList();
    assertTrue(services.contains("mmel.v1.EntityLinker"), services.toString());
    assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
  }

  @Test
  void describeShowsTheContract() {
    Result describe = grpcurl("describe", "mmel.v1.EntityLinker");
    assertEquals(0, describe.exitCode(), describe.toString());
    String out = describe.stdout();
    assertTrue(out.contains("mmel.v1.EntityLinker is a service"), out);
    for (String rpc : List.of("rpc LinkEntity ( .mmel.v1.LinkEntityRequest ) returns ( "
        + ".mmel.v1.LinkEntityResponse )", "rpc LinkEntities", "rpc GetInfo")) {
      assertTrue(out.contains(rpc), rpc + " in:\n" + out);
    }
    Result mention = grpcurl("describe", "mmel.v1.Mention");
    assertEquals(0, mention.exitCode(), mention.toString());
    assertTrue(mention.stdout().contains("string surface = 1;"), mention.stdout());
  }

  @Test
  void aRealWikiMelMentionIsLinkedFromAJsonBody() throws Exception {
    WikiMel.Mention mention = namedMention();
    ObjectNode body = JSON.createObjectNode();
    ObjectNode m = body.putObject("mention");
    m.put("surface", mention.surface());
    m.put("sentence", mention.sentence());
    m.putObject("options").put("topK", ENTITIES).put("candidatesK", ENTITIES);
    Result call = grpcurl("-d", JSON.writeValueAsString(body), address,
        "mmel.v1.EntityLinker/LinkEntity");
    assertEquals(0, call.exitCode(), call.toString());
    JsonNode entities = JSON.readTree(call.stdout()).path("result").path("entities");
    assertEquals(ENTITIES, entities.size(), "every indexed entity ranked: " + call.stdout());
    List<String> qids = new ArrayList<>();
    double previous = Double.POSITIVE_INFINITY;
    for (JsonNode entity : entities) {
      assertTrue(entity.path("qid").asText().matches("Q[0-9]+"), entity.toString());
      assertTrue(entity.path("score").isNumber(), "a score: " + entity);
      assertTrue(entity.path("score").asDouble() <= previous, "best first");
      previous = entity.path("score").asDouble();
      assertFalse(entity.path("name").asText().isEmpty(), entity.toString());
      qids.add(entity.path("qid").asText());
    }
    assertTrue(qids.contains(mention.goldQid()), mention.goldQid() + " (the mention's gold "
        + "entity, named '" + mention.surface() + "') among " + qids);
  }

  @Test
  void healthSaysServing() {
    for (String service : List.of("", "mmel.v1.EntityLinker")) {
      Result check = grpcurl("-d", "{\"service\":\"" + service + "\"}", address,
          "grpc.health.v1.Health/Check");
      assertEquals(0, check.exitCode(), check.toString());
      assertTrue(check.stdout().contains("\"status\": \"SERVING\""), check.toString());
    }
  }

  @Test
  void anEmptySurfaceIsInvalidArgumentWithTheFieldViolation() throws Exception {
    Result call = grpcurl("-format-error", "-d", "{\"mention\":{\"surface\":\"\"}}", address,
        "mmel.v1.EntityLinker/LinkEntity");
    JsonNode violation = onlyViolation(call);
    assertEquals("mention.surface", violation.path("field").asText(), call.toString());
    assertTrue(violation.path("description").asText().contains("required"), call.toString());
  }

  @Test
  void anAbsurdTopKIsInvalidArgumentNamingTheLimit() throws Exception {
    Result call = grpcurl("-format-error", "-d",
        "{\"mention\":{\"surface\":\"Smith\",\"options\":{\"topK\":4000000000}}}", address,
        "mmel.v1.EntityLinker/LinkEntity");
    JsonNode status = errorStatus(call);
    List<String> fields = new ArrayList<>();
    for (JsonNode v : violations(badRequest(status, call))) {
      fields.add(v.path("field").asText());
      if (v.path("field").asText().equals("mention.options.top_k")) {
        assertTrue(v.path("description").asText().contains("0..100"), v.toString());
        assertTrue(v.path("description").asText().contains("4000000000"), v.toString());
      }
    }
    assertTrue(fields.contains("mention.options.top_k"), fields.toString());
  }

  /** The one field violation of an INVALID_ARGUMENT answer. */
  private static JsonNode onlyViolation(Result call) throws IOException {
    JsonNode violations = violations(badRequest(errorStatus(call), call));
    assertEquals(1, violations.size(), call.toString());
    return violations.get(0);
  }

  /** grpcurl -format-error writes the status as JSON; its exit code is 64 + the code. */
  private static JsonNode errorStatus(Result call) throws IOException {
    assertEquals(64 + io.grpc.Status.Code.INVALID_ARGUMENT.value(), call.exitCode(),
        "grpcurl exits with 64 + the status code: " + call);
    JsonNode status = JSON.readTree(call.stdout().isBlank() ? call.stderr() : call.stdout());
    assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT.value(), status.path("code").asInt(),
        call.toString());
    return status;
  }

  private static JsonNode badRequest(JsonNode status, Result call) {
    for (JsonNode detail : status.path("details")) {
      if (detail.path("@type").asText().equals("type.googleapis.com/google.rpc.BadRequest")) {
        return detail;
      }
    }
    throw new AssertionError("no google.rpc.BadRequest among the details: " + call);
  }

  /** grpcurl writes the details with the .proto's field names, other answers in lowerCamelCase. */
  private static JsonNode violations(JsonNode badRequest) {
    return badRequest.has("field_violations") ? badRequest.path("field_violations")
        : badRequest.path("fieldViolations");
  }

  /** The first WikiMEL mention whose surface is the name of its gold entity, an indexed one. */
  private static WikiMel.Mention namedMention() throws IOException {
    Map<String, EntityRecord> indexed = fixture.entities().stream()
        .collect(Collectors.toMap(EntityRecord::qid, Function.identity()));
    WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
    for (String split : List.of("test", "dev", "train")) {
      for (WikiMel.Mention mention : wikimel.mentions(split)) {
        EntityRecord gold = indexed.get(mention.goldQid());
        if (gold != null && gold.name().equalsIgnoreCase(mention.surface())) {
          return mention;
        }
      }
    }
    throw new AssertionError("no WikiMEL mention names one of the " + ENTITIES
        + " indexed entities");
  }

  private record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  /** grpcurl -plaintext with a bounded call; {@code args} end with the address and method. */
  private static Result grpcurl(String... args) {
    List<String> command = new ArrayList<>(List.of(grpcurl.toString(), "-plaintext",
        "-max-time", Long.toString(RUN_TIMEOUT_S / 2)));
    List<String> rest = List.of(args);
    boolean hasAddress = rest.contains(address);
    if (!hasAddress) {
      // list and describe: the address comes before the verb.
      command.add(address);
    }
    command.addAll(rest);
    return run(command);
  }

  private static Result run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).start();
      process.getOutputStream().close();
      CompletableFuture<String> stdout = read(process.getInputStream());
      CompletableFuture<String> stderr = read(process.getErrorStream());
      if (!process.waitFor(RUN_TIMEOUT_S, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " ran past " + RUN_TIMEOUT_S + " s");
      }
      return new Result(process.exitValue(), stdout.get(10, TimeUnit.SECONDS),
          stderr.get(10, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("could not read the output of " + command.get(0), e);
    }
  }

  private static CompletableFuture<String> read(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
