package dev.mmel.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import dev.mmel.model.data.SharedData;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.GetInfoRequest;
import dev.mmel.proto.v1.GetInfoResponse;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.LinkEntityResponse;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.LinkResult;
import dev.mmel.proto.v1.Mention;
import dev.mmel.serving.ServingFixture;
import dev.mmel.serving.grpc.ServingLimits;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP/JSON API for real on 127.0.0.1, beside the gRPC port of the same server (a tiny
 * model with random weights, an index of 40 WikiMEL entities, a bearer token): the answers are
 * gRPC's, images come as base64 or multipart files, and every refusal is an Error naming its
 * field at the HTTP status its gRPC code maps to.
 */
@Timeout(300)
class HttpApiIT {
  private static final String TOKEN = "http-s3cret";
  private static final int MAX_IMAGE = 1 << 20;
  private static final int MAX_BODY = 2 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;

  private static ServingFixture fixture;
  private static HttpClientSupport http;
  private static Metadata token;

  @BeforeAll
  static void start() throws Exception {
    fixture = ServingFixture.start(dir, 40, ServingFixture.settings()
        .httpPort(ServingFixture.freePort()).bearerToken(TOKEN)
        .limits(ServingLimits.builder().defaultCandidatesK(20).maxImageBytes(MAX_IMAGE)
            .maxMessageBytes(MAX_BODY).build()).build(), Optional.empty());
    http = new HttpClientSupport(fixture.server().httpPort(), TOKEN);
    token = new Metadata();
    token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + TOKEN);
  }

  private static EntityLinkerGrpc.EntityLinkerBlockingStub grpc() {
    return fixture.stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token));
  }

  @AfterAll
  static void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  static byte[] wikiMelJpeg() throws Exception {
    try (Stream<Path> images = Files.list(SharedData.file("wikimel/images"))) {
      Path smallest = images.filter(p -> p.toString().endsWith(".jpg"))
          .min((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
      return Files.readAllBytes(smallest);
    }
  }

  private static LinkResult parseLink(HttpResponse<String> response) throws Exception {
    assertEquals(200, response.statusCode(), response.body());
    LinkEntityResponse.Builder parsed = LinkEntityResponse.newBuilder();
    JsonFormat.parser().merge(response.body(), parsed);
    return parsed.getResult();
  }

  private static void assertSameRanking(LinkResult expected, LinkResult actual) {
    assertEquals(expected.getEntitiesList().stream().map(e -> e.getQid()).toList(),
        actual.getEntitiesList().stream().map(e -> e.getQid()).toList());
    for (int i = 0; i < expected.getEntitiesCount(); i++) {
      assertEquals(expected.getEntities(i).getScore(), actual.getEntities(i).getScore(), 1e-4);
    }
  }

  @Test
  void linkAnswersWhatGrpcAnswersForTheSameRequest() throws Exception {
    LinkEntityRequest request = LinkEntityRequest.newBuilder().setMention(Mention.newBuilder()
        .setSurface("Smith").setSentence("Smith scored twice in the final.")
        .setOptions(LinkOptions.newBuilder().setTopK(7).setDebug(true))).build();
    LinkResult viaGrpc = grpc().linkEntity(request).getResult();
    HttpResponse<String> response = http.postJson("/v1/link",
        JsonFormat.printer().print(request));
    assertTrue(response.headers().firstValue("Content-Type").orElse("")
        .startsWith("application/json"));
    LinkResult viaHttp = parseLink(response);
    assertEquals(7, viaHttp.getEntitiesCount());
    assertSameRanking(viaGrpc, viaHttp);
    assertTrue(viaHttp.getTimings().getTotalMs() > 0, "debug timings travel");
    JsonNode raw = JSON.readTree(response.body()).get("result");
    assertTrue(raw.has("nil") && raw.has("descriptionSource") && raw.has("descriptionUsed"),
        "the JSON names fields as the proto's JSON mapping does: " + raw);
  }

  @Test
  void anImageInBase64OrAsAMultipartFileGetsTheSameAnswer() throws Exception {
    byte[] jpeg = wikiMelJpeg();
    String mention = "{\"surface\":\"Smith\",\"sentence\":\"Smith at the stadium.\","
        + "\"options\":{\"topK\":5}}";
    LinkResult withoutImage = parseLink(http.postJson("/v1/link",
        "{\"mention\":" + mention + "}"));
    LinkResult base64 = parseLink(http.postJson("/v1/link", "{\"mention\":"
        + mention.replace("{\"surface\"", "{\"image\":\""
            + Base64.getEncoder().encodeToString(jpeg) + "\",\"surface\"") + "}"));
    HttpClientSupport.Multipart form = new HttpClientSupport.Multipart()
        .part("mention", null, "application/json", mention.getBytes(StandardCharsets.UTF_8))
        .part("image", "photo.jpg", "image/jpeg", jpeg);
    LinkResult multipart = parseLink(http.post("/v1/link", form.contentType(), form.bytes()));
    assertSameRanking(base64, multipart);
    assertNotEquals(withoutImage.getEntities(0).getParts().getImage(),
        base64.getEntities(0).getParts().getImage(), "the photo reached the model");
  }

  @Test
  void aMultipartImageObeysTheImageLimitsAsJsonDoes() throws Exception {
    byte[] huge = new byte[MAX_IMAGE + 1];
    huge[0] = (byte) 0xFF;
    huge[1] = (byte) 0xD8;
    huge[2] = (byte) 0xFF;
    HttpClientSupport.Multipart form = new HttpClientSupport.Multipart()
        .part("mention", null, "application/json", "{\"surface\":\"Smith\"}".getBytes())
        .part("image", "big.jpg", "image/jpeg", huge);
    JsonNode error = error(http.post("/v1/link", form.contentType(), form.bytes()), 400,
        "INVALID_ARGUMENT");
    assertEquals("mention.image", field(error));
    assertTrue(error.get("message").asText().contains("at most " + MAX_IMAGE), error.toString());
    HttpClientSupport.Multipart gif = new HttpClientSupport.Multipart()
        .part("mention", null, "application/json", "{\"surface\":\"Smith\"}".getBytes())
        .part("image", "a.gif", "image/gif", "GIF89a....".getBytes());
    assertEquals("mention.image", field(error(http.post("/v1/link", gif.contentType(),
        gif.bytes()), 400, "INVALID_ARGUMENT")));
  }

  @Test
  void aBatchAnswersInOrderAndABadMentionFailsAlone() throws Exception {
    String gif = Base64.getEncoder().encodeToString("GIF89a not a jpeg".getBytes());
    HttpResponse<String> response = http.postJson("/v1/link:batch", "{\"mentions\":["
        + "{\"surface\":\"Smith\",\"sentence\":\"Smith won.\"},"
        + "{\"surface\":\"Jones\",\"image\":\"" + gif + "\"},"
        + "{\"surface\":\"\"}]}");
    assertEquals(200, response.statusCode(), response.body());
    JsonNode outcomes = JSON.readTree(response.body()).get("outcomes");
    assertEquals(3, outcomes.size());
    assertTrue(outcomes.get(0).get("result").get("entities").size() > 0);
    JsonNode bad = outcomes.get(1).get("error");
    assertEquals(3, bad.get("code").asInt(), "INVALID_ARGUMENT as google.rpc.Status: " + bad);
    assertEquals("type.googleapis.com/google.rpc.BadRequest",
        bad.get("details").get(0).get("@type").asText());
    assertEquals("mentions[1].image",
        bad.get("details").get(0).get("fieldViolations").get(0).get("field").asText());
    assertEquals("mentions[2].surface", outcomes.get(2).get("error").get("details").get(0)
        .get("fieldViolations").get(0).get("field").asText());
  }

  @Test
  void infoIsGetInfo() throws Exception {
    HttpResponse<String> response = http.get("/v1/info");
    assertEquals(200, response.statusCode(), response.body());
    GetInfoResponse.Builder viaHttp = GetInfoResponse.newBuilder();
    JsonFormat.parser().merge(response.body(), viaHttp);
    assertEquals(grpc().getInfo(GetInfoRequest.getDefaultInstance()), viaHttp.build());
    assertEquals("40", JSON.readTree(response.body()).get("indexSize").asText(),
        "uint64 as the proto JSON mapping writes it, a string");
  }

  @Test
  void livenessAndReadinessNeedNoToken() throws Exception {
    HttpClientSupport anonymous = http.withToken(null);
    HttpResponse<String> alive = anonymous.get("/healthz");
    assertEquals(200, alive.statusCode());
    HttpResponse<String> ready = anonymous.get("/readyz");
    assertEquals(200, ready.statusCode());
    assertEquals("SERVING", JSON.readTree(ready.body()).get("status").asText());
  }

  @Test
  void metricsAreTheServersRegistryAndCountHttpCallsOnTheGrpcPath() throws Exception {
    double before = answersOk();
    parseLink(http.postJson("/v1/link", "{\"mention\":{\"surface\":\"Smith\"}}"));
    HttpResponse<String> metrics = http.withToken(null).get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    assertEquals(before + 1, answersOk(), "the HTTP link was answered by the gRPC service");
    assertTrue(metrics.body().contains("mmel_rpc_seconds_bucket"), metrics.body());
    assertTrue(metrics.body().contains("mmel_link_stage_seconds_bucket"));
    assertTrue(Pattern.compile("mmel_http_seconds_count\\{route=\"/v1/link\",status=\"200\"\\}")
        .matcher(metrics.body()).find(), metrics.body());
  }

  private static double answersOk() throws Exception {
    Matcher m = Pattern.compile("(?m)^mmel_mention_answers_total\\{code=\"OK\"\\} (\\S+)$")
        .matcher(http.withToken(null).get("/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void malformedJsonUnknownFieldsAndWrongTypesAre400NamingTheField() throws Exception {
    String[][] cases = {
        {"{", "body", "is not valid JSON"},
        {"{\"mention\":{\"surface\":\"x\"}} trailing", "body", "is not valid JSON"},
        {"{\"mention\":{\"surface\":\"x\",\"surface\":\"y\"}}", "body", "Duplicate field"},
        {"", "body", "empty"},
        {"[1,2]", "body", "must be a JSON object"},
        {"{\"mention\":{\"surface\":\"x\",\"foo\":1}}", "mention.foo",
            "is not a field of mmel.v1.Mention"},
        {"{\"mentionz\":{}}", "mentionz", "is not a field of mmel.v1.LinkEntityRequest"},
        {"{\"mention\":{\"surface\":5}}", "mention.surface", "must be a JSON string"},
        {"{\"mention\":[]}", "mention", "must be a JSON object"},
        {"{\"mention\":{\"surface\":\"x\",\"options\":{\"topK\":\"abc\"}}}",
            "mention.options.top_k", "uint32"},
        {"{\"mention\":{\"surface\":\"x\",\"options\":{\"topK\":-3}}}",
            "mention.options.top_k", "uint32"},
        {"{\"mention\":{\"surface\":\"x\",\"options\":{\"debug\":\"yes\"}}}",
            "mention.options.debug", "true or false"},
        {"{\"mention\":{\"surface\":\"x\",\"image\":\"!!not base64!!\"}}", "mention.image",
            "base64"},
        {"{\"mention\":{\"surface\":\"x\",\"options\":{\"filter\":{\"onlyQids\":\"Q1\"}}}}",
            "mention.options.filter.only_qids", "must be a JSON array"},
        {"{\"mention\":{\"surface\":\"x\",\"options\":{\"topK\":101}}}",
            "mention.options.top_k", "must be within 0..100"},
        {"{\"mention\":{\"surface\":\"   \"}}", "mention.surface", "must not be blank"},
    };
    for (String[] c : cases) {
      JsonNode error = error(http.postJson("/v1/link", c[0]), 400, "INVALID_ARGUMENT");
      assertEquals(c[1], field(error), c[0] + " -> " + error);
      assertTrue(error.get("fieldViolations").get(0).get("description").asText()
          .contains(c[2]), c[0] + " -> " + error);
    }
  }

  @Test
  void badMultipartIs400NamingTheProblem() throws Exception {
    String[][] cases = {
        {"multipart/form-data", "--x\r\n\r\n", "body", "boundary"},
        {"multipart/form-data; boundary=zz", "no parts here at all", "body",
            "multipart/form-data"},
    };
    for (String[] c : cases) {
      JsonNode error = error(http.post("/v1/link", c[0], c[1].getBytes()), 400,
          "INVALID_ARGUMENT");
      assertEquals(c[2], field(error), error.toString());
      assertTrue(error.get("message").asText().contains(c[3]), error.toString());
    }
    HttpClientSupport.Multipart noMention = new HttpClientSupport.Multipart()
        .part("image", "a.jpg", "image/jpeg", wikiMelJpeg());
    assertEquals("mention", field(error(http.post("/v1/link", noMention.contentType(),
        noMention.bytes()), 400, "INVALID_ARGUMENT")));
    HttpClientSupport.Multipart extra = new HttpClientSupport.Multipart()
        .part("mention", null, "application/json", "{\"surface\":\"x\"}".getBytes())
        .part("photo", "a.jpg", "image/jpeg", new byte[] {1});
    assertTrue(error(http.post("/v1/link", extra.contentType(), extra.bytes()), 400,
        "INVALID_ARGUMENT").get("message").asText().contains("\"photo\""));
    HttpClientSupport.Multipart badJson = new HttpClientSupport.Multipart()
        .part("mention", null, "application/json", "{\"surface\":\"x\",\"topK\":3}".getBytes());
    assertEquals("mention.topK", field(error(http.post("/v1/link", badJson.contentType(),
        badJson.bytes()), 400, "INVALID_ARGUMENT")));
  }

  /**
   * A refusal that needs no body (no multipart boundary, a wrong Content-Type) must still read
   * the body: answered with it unread, the server closed the kept-alive connection, and a client
   * reusing it got no answer to its next request. The body is sent late, after the headers, so
   * that the server has answered before it arrives if it does not wait for it.
   */
  @Test
  void aRefusalBeforeTheBodyArrivedKeepsTheConnectionUsable() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", fixture.server().httpPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      String[][] requests = {{"multipart/form-data", "--x\r\n\r\n"},
          {"text/plain", "{}"}, {"application/json", "{\"mention\":{\"surface\":\"x\"}}"}};
      int[] statuses = new int[requests.length];
      for (int i = 0; i < requests.length; i++) {
        byte[] body = requests[i][1].getBytes(StandardCharsets.UTF_8);
        out.write(("POST /v1/link HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TOKEN + "\r\nContent-Type: " + requests[i][0] + "\r\nContent-Length: "
            + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(300);
        out.write(body);
        out.flush();
        statuses[i] = readResponseStatus(in);
      }
      assertEquals("400 415 200", statuses[0] + " " + statuses[1] + " " + statuses[2],
          "every request on the one connection is answered");
    }
  }

  /** Reads one HTTP/1.1 response with a Content-Length body; its status code. */
  private static int readResponseStatus(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the server closed the connection; read so far: "
            + head);
      }
      head.append((char) b);
    }
    Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
    assertTrue(length.find(), "a Content-Length in " + head);
    in.readNBytes(Integer.parseInt(length.group(1)));
    return Integer.parseInt(head.substring(9, 12));
  }

  @Test
  void wrongContentTypeMethodOrPathAreRefusedAsErrors() throws Exception {
    JsonNode type = error(http.post("/v1/link", "text/plain", "{}".getBytes()), 415,
        "INVALID_ARGUMENT");
    assertEquals("Content-Type", field(type));
    HttpResponse<String> get = http.get("/v1/link");
    error(get, 405, "UNIMPLEMENTED");
    assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
    error(http.get("/v2/nothing"), 404, "NOT_FOUND");
  }

  @Test
  void bodiesOverTheMessageLimitAre413NamingTheLimit() throws Exception {
    byte[] big = new byte[MAX_BODY + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    HttpResponse<String> declared = http.send(http.request("/v1/link")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
    JsonNode error = error(declared, 413, "RESOURCE_EXHAUSTED");
    assertTrue(error.get("message").asText().contains(MAX_BODY + " bytes (max_message_bytes)"),
        error.toString());
    HttpResponse<String> chunked = http.send(http.request("/v1/link:batch")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
        .build());
    error(chunked, 413, "RESOURCE_EXHAUSTED");
  }

  @Test
  void theBearerTokenGuardsTheApiAsItGuardsGrpc() throws Exception {
    HttpResponse<String> none = http.withToken(null).postJson("/v1/link",
        "{\"mention\":{\"surface\":\"Smith\"}}");
    JsonNode error = error(none, 401, "UNAUTHENTICATED");
    assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
    assertTrue(!error.toString().contains(TOKEN));
    JsonNode wrong = error(http.withToken("wrong").get("/v1/info"), 401, "UNAUTHENTICATED");
    assertTrue(wrong.get("message").asText().contains("wrong"), wrong.toString());
    assertEquals(200, http.withToken(null).get("/healthz").statusCode());
  }

  @Test
  void theOpenApiDescriptionAndTheConsoleAreServed() throws Exception {
    HttpClientSupport anonymous = http.withToken(null);
    JsonNode doc = JSON.readTree(anonymous.get("/openapi.json").body());
    for (String path : List.of("/v1/link", "/v1/link:batch", "/v1/info", "/readyz")) {
      assertTrue(doc.get("paths").has(path), path);
    }
    HttpResponse<String> page = anonymous.get("/console/");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("<script src=\"console.js\""));
    assertEquals(200, anonymous.get("/console/console.js").statusCode());
    assertEquals(302, anonymous.get("/").statusCode());
  }

  static JsonNode error(HttpResponse<String> response, int status, String code)
      throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode error = JSON.readTree(response.body());
    assertEquals(code, error.get("code").asText(), response.body());
    assertEquals(status, error.get("httpStatus").asInt());
    assertTrue(error.get("fieldViolations").isArray());
    return error;
  }

  static String field(JsonNode error) {
    return error.get("fieldViolations").get(0).get("field").asText();
  }
}
