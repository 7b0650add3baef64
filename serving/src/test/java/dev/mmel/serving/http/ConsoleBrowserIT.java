package dev.mmel.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.mmel.core.EntityRecord;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.dme.SimilaritySelector;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.LinkResult;
import dev.mmel.proto.v1.Mention;
import dev.mmel.serving.ServingFixture;
import dev.mmel.testkit.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in headless Chromium against a real server (tiny model, WikiMEL entities with
 * the mention's gold entity among them, the real bge-small DME): a real WikiMEL mention is
 * typed in with its real photo picked as a file, linked, and the page must show the entities
 * the gRPC service ranks for the same mention and photo, the NIL decision, the DME description
 * and its source, and the stage timings; then the server view. Screenshots land in
 * target/screenshots/.
 */
@Timeout(600)
class ConsoleBrowserIT {
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  @TempDir
  Path dir;

  @Test
  void linksARealMentionWithItsPhotoAndShowsTheAnswer() throws Exception {
    WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
    WikiMel.Mention mention = Stream.of("train", "dev", "test")
        .flatMap(split -> wikimel.mentions(split).stream())
        .filter(m -> m.imagePath() != null)
        .min(Comparator.comparing(WikiMel.Mention::sampleId)).orElseThrow();
    List<EntityRecord> entities = new ArrayList<>(ServingFixture.wikiMelEntities(30));
    if (entities.stream().noneMatch(e -> e.qid().equals(mention.goldQid()))) {
      entities.add(new EntityRecord(mention.goldQid(), wikimel.name(mention.goldQid()),
          List.of(), wikimel.abstractOf(mention.goldQid()), ""));
    }
    try (SimilaritySelector selector = SimilaritySelector.open(1);
        ServingFixture fixture = ServingFixture.start(dir.resolve("server"), entities,
            ServingFixture.settings().httpPort(ServingFixture.freePort()).build(),
            Optional.of(selector), Duration.ofMillis(2), UnaryOperator.identity());
        HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("chromium"))) {
      chromium.navigate("http://127.0.0.1:" + fixture.server().httpPort() + "/console/");
      chromium.evaluate("document.getElementById('surface').value = " + js(mention.surface())
          + "; document.getElementById('sentence').value = " + js(mention.sentence())
          + "; document.getElementById('top-k').value = '5'; true");
      chromium.setFile("#image", mention.imagePath());
      chromium.waitFor("!document.getElementById('preview').hidden", Duration.ofSeconds(10));
      chromium.evaluate("document.getElementById('link-button').click(); true");
      chromium.waitFor("!document.getElementById('result').hidden "
          + "|| !document.getElementById('error').hidden", Duration.ofSeconds(120));
      Files.createDirectories(SCREENSHOTS);
      chromium.screenshot(SCREENSHOTS.resolve("console-link.png"));
      assertTrue(chromium.evaluate("document.getElementById('error').hidden").asBoolean(),
          chromium.evaluate("document.getElementById('error').textContent").asText());

      LinkResult expected = fixture.stub().linkEntity(LinkEntityRequest.newBuilder()
          .setMention(Mention.newBuilder().setSurface(mention.surface())
              .setSentence(mention.sentence())
              .setImage(ByteString.copyFrom(Files.readAllBytes(mention.imagePath())))
              .setOptions(LinkOptions.newBuilder().setTopK(5))).build()).getResult();
      JsonNode shown = chromium.evaluate("[...document.querySelectorAll('#entities li.entity')]"
          + ".map(li => li.dataset.qid)");
      List<String> qids = new ArrayList<>();
      shown.forEach(q -> qids.add(q.asText()));
      assertEquals(expected.getEntitiesList().stream().map(e -> e.getQid()).toList(), qids,
          "the page lists what the service ranks for this mention and its photo");
      assertEquals(5, chromium.evaluate("document.querySelectorAll('#entities .bar .seg')"
          + ".length / 3").asInt(), "a text / image / cross bar per entity");
      String firstName = chromium.evaluate("document.querySelector('#entities .name')"
          + ".textContent").asText();
      assertEquals(expected.getEntities(0).getName(), firstName);
      String decision = chromium.evaluate("document.getElementById('nil-decision').textContent")
          .asText();
      assertEquals(expected.getNil() ? "NIL" : "Linked", decision.substring(0,
          expected.getNil() ? 3 : 6), decision);
      assertFalse(chromium.evaluate("document.getElementById('dme-source').textContent")
          .asText().isBlank(), "where the DME description came from is shown");
      assertEquals(expected.getDescriptionUsed().isEmpty() ? "(nothing appended)"
          : "“" + expected.getDescriptionUsed() + "”",
          chromium.evaluate("document.getElementById('dme-used').textContent").asText());
      assertTrue(chromium.evaluate("document.getElementById('timings').textContent").asText()
          .contains("ms"), "stage timings are shown");

      chromium.evaluate("document.getElementById('tab-server').click(); true");
      chromium.waitFor("document.querySelectorAll('#info tr').length > 3 "
          + "&& document.querySelectorAll('#call-latency .hist').length > 0",
          Duration.ofSeconds(30));
      chromium.screenshot(SCREENSHOTS.resolve("console-server.png"));
      assertTrue(chromium.evaluate("document.getElementById('info').textContent").asText()
          .contains(entities.size() + " entities"), "the index size from /v1/info");
    }
  }

  private static String js(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
  }
}
