package dev.mmel.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.serving.ServingFixture;
import dev.mmel.serving.grpc.ServingLimits;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hundreds of generated malformed requests (cut JSON, unknown fields, wrong types, bad base64,
 * bytes that are not UTF-8, deep nesting, out-of-range numbers, huge bodies, broken multipart)
 * against a real server: each is answered 4xx with an Error naming a field and the problem,
 * the server stays up, and a valid request still succeeds afterwards.
 */
@Timeout(300)
class HttpFuzzIT {
  private static final int MAX_BODY = 64 << 10;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VALID = "{\"mention\":{\"surface\":\"Smith\",\"sentence\":\"Smith "
      + "won the final.\",\"description\":\"an athlete\",\"options\":{\"topK\":3,"
      + "\"candidatesK\":10,\"debug\":true,\"nilThreshold\":0.5,\"filter\":{\"excludedQids\":"
      + "[\"Q1\"]}}}}";
  private static final String[] STRING_FIELDS = {"\"surface\":\"Smith\"",
      "\"sentence\":\"Smith won the final.\"", "\"description\":\"an athlete\""};
  private static final String[] NUMBER_FIELDS = {"\"topK\":3", "\"candidatesK\":10",
      "\"nilThreshold\":0.5"};
  private static final String[] WRONG_VALUES = {"{}", "[]", "true", "[1,2]", "{\"a\":1}"};

  @TempDir
  Path dir;

  private record Case(String kind, String contentType, byte[] body) {}

  @Test
  void everyMalformedRequestIs4xxNamingTheProblemAndTheServerLivesOn() throws Exception {
    try (ServingFixture fixture = ServingFixture.start(dir, 10, ServingFixture.settings()
        .httpPort(ServingFixture.freePort()).limits(ServingLimits.builder()
            .maxImageBytes(32 << 10).maxMessageBytes(MAX_BODY).build()).build(),
        Optional.empty())) {
      HttpClientSupport http = new HttpClientSupport(fixture.server().httpPort(), null);
      List<Case> cases = cases(new Random(20_260_501L));
      assertTrue(cases.size() >= 300, "cases: " + cases.size());
      for (Case c : cases) {
        HttpResponse<String> response = http.post(c.kind().startsWith("batch") ? "/v1/link:batch"
            : "/v1/link", c.contentType(), c.body());
        String what = c.kind() + ": " + new String(c.body(), 0, Math.min(200, c.body().length),
            StandardCharsets.UTF_8) + " -> " + response.statusCode() + " " + response.body();
        assertTrue(response.statusCode() >= 400 && response.statusCode() < 500, what);
        JsonNode error = JSON.readTree(response.body());
        assertEquals(response.statusCode(), error.get("httpStatus").asInt(), what);
        JsonNode violation = error.get("fieldViolations").get(0);
        assertFalse(violation.get("field").asText().isBlank(), what);
        assertFalse(violation.get("description").asText().isBlank(), what);
      }
      assertEquals(200, http.get("/healthz").statusCode());
      HttpResponse<String> valid = http.postJson("/v1/link", VALID);
      assertEquals(200, valid.statusCode(), valid.body());
      assertTrue(JSON.readTree(valid.body()).get("result").get("entities").size() > 0);
    }
  }

  private static List<Case> cases(Random random) {
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      cases.add(json("truncated", VALID.substring(0, random.nextInt(VALID.length() - 1))));
    }
    for (int i = 0; i < 40; i++) {
      String field = "x" + Integer.toString(random.nextInt(1 << 20), 36);
      String[] anchors = {"{\"mention\":{", "\"options\":{", "\"filter\":{", "{"};
      String anchor = anchors[random.nextInt(anchors.length)];
      cases.add(json("unknown field", VALID.replaceFirst(java.util.regex.Pattern.quote(anchor),
          anchor + "\"" + field + "\":1,")));
    }
    for (int i = 0; i < 50; i++) {
      String wrong = WRONG_VALUES[random.nextInt(WRONG_VALUES.length)];
      if (random.nextBoolean()) {
        String field = STRING_FIELDS[random.nextInt(STRING_FIELDS.length)];
        cases.add(json("wrong type", VALID.replace(field, field.substring(0,
            field.indexOf(':') + 1) + (random.nextBoolean() ? wrong : "12"))));
      } else {
        String field = NUMBER_FIELDS[random.nextInt(NUMBER_FIELDS.length)];
        cases.add(json("wrong type", VALID.replace(field, field.substring(0,
            field.indexOf(':') + 1) + wrong)));
      }
    }
    String alphabet = "!*#%&()<>?@^~ \\u00e9";
    for (int i = 0; i < 40; i++) {
      StringBuilder image = new StringBuilder(Base64.getEncoder().encodeToString(
          bytes(random, 30)));
      image.insert(random.nextInt(image.length()), alphabet.charAt(random.nextInt(12)));
      cases.add(json("bad base64", VALID.replace("{\"surface\"", "{\"image\":\"" + image
          + "\",\"surface\"")));
    }
    for (int i = 0; i < 20; i++) {
      byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
      int at = VALID.indexOf("Smith") + random.nextInt(5);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.write(valid, 0, at);
      body.write(0xC3 + random.nextInt(2) * 0x20);
      body.write(0x28);
      body.write(valid, at, valid.length - at);
      cases.add(new Case("not UTF-8", "application/json", body.toByteArray()));
    }
    for (int i = 0; i < 10; i++) {
      int depth = 65 + random.nextInt(200);
      cases.add(json("deep", "{\"mention\":" + "[".repeat(depth) + "]".repeat(depth) + "}"));
    }
    String[] numbers = {"1e40", "-1", "4294967296", "3.5", "\"12abc\"", "1099511627776"};
    for (int i = 0; i < 20; i++) {
      String number = numbers[random.nextInt(numbers.length)];
      cases.add(json("out of range", VALID.replace("\"topK\":3", "\"topK\":" + number)));
    }
    for (int i = 0; i < 20; i++) {
      String body = VALID.replace("\"surface\":\"Smith\"", "\"surface\":\""
          + "x".repeat(MAX_BODY + random.nextInt(4096)) + "\"");
      cases.add(json(random.nextBoolean() ? "huge" : "batch huge", body));
    }
    for (int i = 0; i < 20; i++) {
      cases.add(json("batch wrong shape", random.nextBoolean() ? "{\"mentions\":{}}"
          : "{\"mentions\":[" + WRONG_VALUES[random.nextInt(WRONG_VALUES.length)] + ","
              + "\"x\"]}"));
    }
    for (int i = 0; i < 40; i++) {
      cases.add(multipart(random));
    }
    return cases;
  }

  private static Case multipart(Random random) {
    HttpClientSupport.Multipart form = new HttpClientSupport.Multipart();
    switch (random.nextInt(5)) {
      case 0 -> form.part("image", "a.jpg", "image/jpeg", bytes(random, 100));
      case 1 -> form.part("mention", null, "application/json",
          VALID.substring(12, 12 + random.nextInt(40)).getBytes(StandardCharsets.UTF_8));
      case 2 -> form.part("mention", null, "application/json", "{\"surface\":\"x\"}".getBytes())
          .part("other" + random.nextInt(100), null, null, bytes(random, 10));
      case 3 -> form.part("mention", null, "application/json", "{\"surface\":\"x\"}".getBytes())
          .part("mention", null, "application/json", "{\"surface\":\"y\"}".getBytes());
      default -> {
        byte[] body = form.part("mention", null, "application/json",
            "{\"surface\":\"x\"}".getBytes()).bytes();
        return new Case("multipart cut", form.contentType(),
            java.util.Arrays.copyOf(body, random.nextInt(body.length - 8)));
      }
    }
    return new Case("multipart", form.contentType(), form.bytes());
  }

  private static Case json(String kind, String body) {
    return new Case(kind, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] bytes(Random random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }
}
