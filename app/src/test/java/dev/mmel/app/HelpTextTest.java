package dev.mmel.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every command's help keeps each word of its descriptions whole: paths and URIs stay intact. */
class HelpTextTest {

  @Test
  void wrappedHelpNeverSplitsAWord() {
    List<String> broken = new ArrayList<>();
    List<CommandLine> commands = new ArrayList<>(List.of(MmelCli.commandLine()));
    int checkedWords = 0;
    while (!commands.isEmpty()) {
      CommandLine command = commands.remove(0);
      commands.addAll(command.getSubcommands().values());
      String usage = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
      List<String> descriptions = new ArrayList<>(
          List.of(command.getCommandSpec().usageMessage().description()));
      for (OptionSpec option : command.getCommandSpec().options()) {
        descriptions.addAll(List.of(option.description()));
      }
      for (String description : descriptions) {
        for (String word : description.split("\\s+")) {
          if (word.isEmpty() || word.contains("%")) {
            continue;
          }
          checkedWords++;
          if (!usage.contains(word)) {
            broken.add(command.getCommandSpec().qualifiedName() + ": '" + word + "'");
          }
        }
      }
    }
    assertTrue(checkedWords > 1000, "only " + checkedWords + " words checked");
    assertTrue(broken.isEmpty(), "words split across lines: " + broken);
  }
}
