package dev.mmel.serving.dme;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AnswerParserTest {

  @ParameterizedTest
  @ValueSource(strings = {"2", " 2", "2\n", "\t 2 \r\n", "02"})
  void aBareNumberInRangeIsAChoice(String reply) {
    assertEquals(OptionalInt.of(2), AnswerParser.choice(reply, 3));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", " 0 "})
  void zeroIsNone(String reply) {
    assertEquals(OptionalInt.of(0), AnswerParser.choice(reply, 3));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "4", "-1", "+2", "2.", "2.0", "1 2", "Candidate 2", "2)",
      "The answer is 2", "two", "\"2\"", "**2**", "9999999999", "\u0662"})
  void anythingElseIsUnparsable(String reply) {
    assertEquals(OptionalInt.empty(), AnswerParser.choice(reply, 3));
  }

  @Test
  void noReplyIsUnparsable() {
    assertEquals(OptionalInt.empty(), AnswerParser.choice(null, 3));
  }
}
