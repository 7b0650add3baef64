package dev.mmel.app.cli;

import dev.mmel.model.config.TextNormalization;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.text.ClipTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = {"Prints the CLIP token ids of TEXT, BOS (49406) and EOS (49407) included, as "
        + "one JSON array on the last line."})
public final class TokenizeCommand extends MmelCommand {
  @Parameters(index = "0", paramLabel = "TEXT", description = "The text to tokenize.")
  String text;

  @Option(names = "--context-length", paramLabel = "N",
      description = "Truncate (keeping EOS) and pad with 49407 to exactly N ids, as the model "
          + "input is. Default: no padding or truncation.")
  Integer contextLength;

  @Option(names = "--vocab", paramLabel = "FILE",
      description = "CLIP BPE merges file. Default: ../shared/data/" + SharedData.CLIP_VOCAB)
  Path vocab;

  @Option(names = "--normalization", paramLabel = "N", defaultValue = "hf_fast",
      description = "Text normalisation: hf_fast (Hugging Face's fast tokenizer, the MMoE "
          + "reference's; default) or openai_ftfy (OpenAI's, with ftfy fixes).")
  String normalization;

  @Option(names = "--tokens", description = "Also print each token's text before the ids.")
  boolean showTokens;

  @Override
  public Integer call() throws Exception {
    if (contextLength != null && (contextLength < 2 || contextLength > 77)) {
      throw new IllegalArgumentException("--context-length must be in [2, 77], got "
          + contextLength);
    }
    ClipTokenizer tokenizer = ClipTokenizer.load(
        vocab != null ? vocab : SharedData.file(SharedData.CLIP_VOCAB),
        TextNormalization.parse(normalization));
    int[] ids = contextLength == null ? tokenizer.encode(text)
        : tokenizer.encodePadded(text, contextLength);
    if (showTokens) {
      for (int id : ids) {
        out().println(id + "\t" + tokenizer.decode(new int[] {id}));
      }
    }
    out().println(Arrays.stream(ids).mapToObj(Integer::toString)
        .collect(Collectors.joining(", ", "[", "]")));
    return 0;
  }
}
