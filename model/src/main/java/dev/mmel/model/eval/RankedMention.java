package dev.mmel.model.eval;

import dev.mmel.model.data.LabelledMention;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One mention's rank in an evaluation, with what identifies it across evaluations of the same
 * split: its sample id and its index among that sample's mentions (a sample with two mentions
 * has indices 0 and 1), plus the surface and gold QID to check that a pairing is right.
 */
public record RankedMention(String sampleId, int mentionIndex, String mention, String goldQid,
    int rank) {

  /** What pairs this mention with the same mention of another evaluation. */
  public record Key(String sampleId, int mentionIndex) {
    @Override
    public String toString() {
      return "sample " + sampleId + " mention #" + mentionIndex;
    }
  }

  public Key key() {
    return new Key(sampleId, mentionIndex);
  }

  /** {@code ranks[i]} is the rank of {@code mentions.get(i)}. */
  public static List<RankedMention> of(List<LabelledMention> mentions, int[] ranks) {
    if (mentions.size() != ranks.length) {
      throw new IllegalArgumentException(ranks.length + " ranks for " + mentions.size()
          + " mentions");
    }
    Map<String, Integer> seen = new HashMap<>();
    List<RankedMention> ranked = new ArrayList<>(ranks.length);
    for (int i = 0; i < ranks.length; i++) {
      LabelledMention m = mentions.get(i);
      int index = seen.merge(m.sampleId(), 1, Integer::sum) - 1;
      ranked.add(new RankedMention(m.sampleId(), index, m.mention(), m.answerQid(), ranks[i]));
    }
    return ranked;
  }

  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("sample_id", sampleId);
    json.put("mention_index", mentionIndex);
    json.put("mention", mention);
    json.put("gold", goldQid);
    json.put("rank", rank);
    return json;
  }
}
