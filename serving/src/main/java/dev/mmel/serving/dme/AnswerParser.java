package dev.mmel.serving.dme;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the LLM's reply to {@link SelectionPrompt}: a bare integer, optionally surrounded by
 * whitespace, from 0 (none fits) to the number of candidates. Anything else ("2.", "Candidate 2",
 * "-1", a number out of range) is unparsable: guessing at a chatty reply would trade a
 * fallback for a silently wrong description.
 */
final class AnswerParser {
  // Nine digits at most keep Integer.parseInt safe; no candidate list comes near that.
  private static final Pattern BARE_INTEGER = Pattern.compile("\\s*([0-9]{1,9})\\s*");

  private AnswerParser() {}

  /** The chosen number (0 = none), or empty when the reply is not a number in range. */
  static OptionalInt choice(String reply, int candidateCount) {
    if (reply == null) {
      return OptionalInt.empty();
    }
    Matcher matcher = BARE_INTEGER.matcher(reply);
    if (!matcher.matches()) {
      return OptionalInt.empty();
    }
    int number = Integer.parseInt(matcher.group(1));
    return number <= candidateCount ? OptionalInt.of(number) : OptionalInt.empty();
  }
}
