package dev.mmel.serving.dme;

import dev.mmel.core.MentionInput;
import dev.mmel.model.dme.DescriptionCandidate;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The question put to the LLM (spec 3: "an LLM is asked to choose"). Its phrasing serves the
 * strict reading in {@link AnswerParser}:
 * <ul>
 *   <li>Candidates are numbered from 1 so that 0 is free to mean "none fits": the spec lets a
 *       selector abstain, and an LLM forced to pick would pick a wrong description.</li>
 *   <li>The answer is asked for as the number alone, in the system message and again as the last
 *       line, because instruction-tuned models follow the instruction nearest the end most
 *       reliably; a short answer also lets {@code max_tokens} stay tiny, and a chatty one counts
 *       as unparsable instead of being guessed at.</li>
 *   <li>The sentence comes before the mention, so the model has read the context when it meets
 *       the question; the mention is quoted because surfaces are often common words.</li>
 *   <li>Each candidate shows its name as well as its description: descriptions alone ("American
 *       politician") often fail to tell namesakes apart.</li>
 *   <li>Line breaks inside user-supplied text are flattened so that a sentence or description
 *       cannot forge a numbered candidate line. Whatever the text says, the parser accepts only
 *       a number in range, so an injected instruction can at worst pick another candidate.</li>
 * </ul>
 */
final class SelectionPrompt {
  static final String SYSTEM = "You link mentions in text to knowledge-base entities. You are "
      + "given a sentence, a mention in it, and numbered candidate entities. Reply with the "
      + "number of the candidate the mention refers to, or 0 if none of them fits. Reply with "
      + "the number only.";

  private static final String QUESTION = "Which candidate does the mention refer to? Reply with "
      + "its number only, or 0 if none fits.";

  private static final Pattern UNICODE_WHITESPACE = Pattern.compile("(?U)\\s+");

  private SelectionPrompt() {}

  static ChatPrompt of(MentionInput mention, List<DescriptionCandidate> candidates) {
    StringBuilder user = new StringBuilder();
    String sentence = flat(mention.sentence());
    user.append("Sentence: ").append(sentence.isEmpty() ? "(none)" : sentence).append('\n');
    user.append("Mention: \"").append(flat(mention.mention())).append("\"\n");
    user.append("Candidates:\n");
    for (int i = 0; i < candidates.size(); i++) {
      DescriptionCandidate candidate = candidates.get(i);
      user.append(i + 1).append(". ").append(flat(candidate.name())).append(": ")
          .append(flat(candidate.description())).append('\n');
    }
    user.append(QUESTION);
    return new ChatPrompt(SYSTEM, user.toString());
  }

  private static String flat(String text) {
    // Unicode-aware, so that U+2028 or U+0085 cannot break a line either.
    return UNICODE_WHITESPACE.matcher(text).replaceAll(" ").strip();
  }
}
