package dev.mmel.model.dme;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.model.data.KbEntity;
import java.util.List;
import org.junit.jupiter.api.Test;

class KbDescriptionCandidatesTest {
  private static final List<KbEntity> KB = List.of(
      entity("Q9", "Stefanie Powers", List.of("Stefania Federkiewicz"), "actress"),
      entity("Q2", "Austin Powers", List.of(), "film character"),
      entity("Q5", "Powers", List.of(), "surname"),
      entity("Q7", "Fred (footballer, born 1979)", List.of(), "footballer"),
      entity("Q8", "Fred Astaire", List.of(), ""),
      entity("Q30", "John Smith", List.of(), "explorer"),
      entity("Q10", "John Adams", List.of(), "president"),
      entity("Q20", "John Wayne", List.of(), "actor"));

  private static KbEntity entity(String qid, String name, List<String> aliases,
      String description) {
    return new KbEntity(qid, name, aliases, description, "");
  }

  private static List<String> qids(DescriptionCandidates candidates, String surface, int limit) {
    return candidates.forSurface(surface, limit).stream().map(DescriptionCandidate::qid)
        .toList();
  }

  @Test
  void anExactMatchComesBeforeAnyPart() {
    DescriptionCandidates partial = new KbDescriptionCandidates(KB, SurfaceMatch.PARTIAL);
    assertEquals(List.of("Q5"), qids(partial, "POWERS", 10),
        "an entity named so is the match; the Powers by surname are not looked at");
    assertEquals(List.of("Q9"), qids(partial, "Stefania Federkiewicz", 10));
  }

  @Test
  void partialMatchingFindsNamesByTheirLeadingOrTrailingWords() {
    DescriptionCandidates partial = new KbDescriptionCandidates(KB, SurfaceMatch.PARTIAL);
    assertEquals(List.of("Q9"), qids(partial, "Federkiewicz", 10), "an alias's last word");
    assertEquals(List.of("Q9"), qids(partial, "stéfanie", 10));
    assertEquals(List.of("Q7"), qids(partial, "Fred", 10),
        "the qualifier dropped; Fred Astaire has no description to offer");
    assertEquals(List.of(), qids(partial, "Smith John", 10));
  }

  @Test
  void candidatesComeInQidOrderUpToTheLimit() {
    DescriptionCandidates partial = new KbDescriptionCandidates(KB, SurfaceMatch.PARTIAL);
    assertEquals(List.of("Q10", "Q20", "Q30"), qids(partial, "john", 10));
    assertEquals(List.of("Q10", "Q20"), qids(partial, "john", 2));
  }

  @Test
  void exactMatchingLooksAtWholeNamesOnly() {
    DescriptionCandidates exact = new KbDescriptionCandidates(KB, SurfaceMatch.EXACT);
    assertEquals(List.of(), qids(exact, "Federkiewicz", 10));
    assertEquals(List.of(), qids(exact, "john", 10));
    assertEquals(List.of("Q5"), qids(exact, "powers", 10));
    assertEquals(List.of("Q7"), qids(exact, "fred footballer born 1979", 10));
  }
}
