package dev.mmel.retriever.milvus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.IndexSchema;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BuildStampTest {
  private static final IndexSchema REAL = new IndexSchema(800, 96, 50, 50);

  @Test
  void theDescriptionRoundTrips() {
    BuildStamp stamp = new BuildStamp("mmoe-0123456789abcdef", REAL);
    assertEquals("mmel-entity-index/2 retrieval_dim=800 hidden_dim=96 text_positions=50 "
        + "image_positions=50 model_version=mmoe-0123456789abcdef", stamp.description());
    assertEquals(Optional.of(stamp), BuildStamp.parse(stamp.description()));
  }

  @Test
  void aLayoutOneCollectionHasNoNamePartsButTheSameModel() {
    BuildStamp old = BuildStamp.parse("mmel-entity-index/1 retrieval_dim=800 hidden_dim=96 "
        + "text_positions=50 image_positions=50 model_version=mmoe-0123456789abcdef").orElseThrow();
    assertFalse(old.nameParts());
    assertTrue(old.sameModelAs(new BuildStamp("mmoe-0123456789abcdef", REAL)));
    assertFalse(old.sameModelAs(new BuildStamp("mmoe-fedcba9876543210", REAL)));
    assertEquals(Optional.of(old), BuildStamp.parse(old.description()));
  }

  @Test
  void otherDescriptionsAreNoStamp() {
    for (String description : new String[] {null, "", "somebody else's",
        "mmel-entity-index/1 retrieval_dim=0 hidden_dim=1 text_positions=1 image_positions=1 "
            + "model_version=x",
        "mmel-entity-index/1 retrieval_dim=999999999 hidden_dim=1 text_positions=1 "
            + "image_positions=99999999 model_version=x y"}) {
      assertEquals(Optional.empty(), BuildStamp.parse(description), description);
    }
  }

  @Test
  void modelVersionsArePrintableWithoutSpaces() {
    for (String version : new String[] {null, "", "a b", "x".repeat(129), "é"}) {
      String message = assertThrows(IllegalArgumentException.class,
          () -> new BuildStamp(version, REAL)).getMessage();
      assertTrue(message.startsWith("model version must be 1 to 128 printable ASCII"), message);
    }
  }

  @Test
  void rerankFeaturesMustFitOneVarchar() {
    assertEquals(26_112, EntityFields.rerankChars(REAL));
    EntityFields.checkFits(REAL);
    // 24,574 floats are 49,148 bytes, 65,532 Base64 characters: the largest that fits.
    EntityFields.checkFits(new IndexSchema(8, 1, 24_570, 2));
    String message = assertThrows(IllegalArgumentException.class,
        () -> EntityFields.checkFits(new IndexSchema(8, 1, 24_571, 2))).getMessage();
    assertEquals("rerank features of 24575 floats are 65536 characters as fp16 Base64; a Milvus "
        + "VARCHAR holds at most 65535", message);
  }
}
