package dev.mmel.app;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Picocli's help with lines wrapped at spaces only. Picocli wraps with the JDK's line
 * BreakIterator, which also breaks after '.' and ':' inside a word, so a path or URI in a
 * description came out split (". cache/features", "127.0.0.1: 19530").
 */
final class WrappingHelp extends CommandLine.Help {

  WrappingHelp(CommandSpec spec, ColorScheme scheme) {
    super(spec, scheme);
  }

  @Override
  public Layout createDefaultLayout() {
    return createDefaultLayout(commandSpec().options(), commandSpec().positionalParameters(),
        colorScheme());
  }

  @Override
  public Layout createDefaultLayout(List<OptionSpec> options,
      List<PositionalParamSpec> positionals, ColorScheme scheme) {
    int longOptions = calcLongOptionColumnWidth(options, positionals, scheme);
    int width = commandSpec().usageMessage().width();
    TextTable table = new SpaceWrappingTable(scheme, new Column[] {
        new Column(2, 0, Column.Overflow.TRUNCATE),
        new Column(2, 0, Column.Overflow.SPAN),
        new Column(1, 0, Column.Overflow.TRUNCATE),
        new Column(longOptions, 1, Column.Overflow.SPAN),
        new Column(width - 5 - longOptions, 1, Column.Overflow.WRAP)});
    return new Layout(scheme, table, createDefaultOptionRenderer(),
        createDefaultParameterRenderer());
  }

  @Override
  public String description(Object... params) {
    String[] lines = commandSpec().usageMessage().description();
    TextTable table = new SpaceWrappingTable(colorScheme(), new Column[] {
        new Column(commandSpec().usageMessage().width(), 0, Column.Overflow.WRAP)});
    table.indentWrappedLines = 0;
    for (String line : lines) {
      table.addRowValues(String.format(line, params));
    }
    return table.toString();
  }

  /** A table whose wrapping columns break lines at spaces only. */
  static final class SpaceWrappingTable extends TextTable {
    private final ColorScheme scheme;
    private final Column[] columns;

    SpaceWrappingTable(ColorScheme scheme, Column[] columns) {
      super(scheme, columns);
      this.scheme = scheme;
      this.columns = columns.clone();
    }

    @Override
    public Cell putValue(int row, int col, Text value) {
      Column column = columns[col];
      if (column.overflow != Column.Overflow.WRAP || value == null) {
        return super.putValue(row, col, value);
      }
      List<Text> lines = wrap(value, column.width - column.indent,
          column.width - column.indent - indentWrappedLines);
      Cell last = null;
      for (int i = 0; i < lines.size(); i++) {
        if (i > 0) {
          addEmptyRow();
          row++;
        }
        last = super.putValue(row, col, i == 0 ? lines.get(i)
            : scheme.text(" ".repeat(indentWrappedLines)).concat(lines.get(i)));
      }
      return last != null ? last : new Cell(col, row);
    }

    /** Lines of at most {@code first}, then {@code rest}, characters, broken at spaces. */
    static List<Text> wrap(Text value, int first, int rest) {
      String plain = value.plainString();
      List<Text> lines = new ArrayList<>();
      int start = 0;
      int width = Math.max(1, first);
      while (start < plain.length()) {
        int end = Math.min(plain.length(), start + width);
        if (end < plain.length()) {
          int space = plain.lastIndexOf(' ', end);
          if (space > start) {
            end = space;
          } else {
            // A word longer than the line: it stays whole on a line of its own.
            int next = plain.indexOf(' ', start);
            end = next < 0 ? plain.length() : next;
          }
        }
        lines.add(value.substring(start, end));
        start = end;
        while (start < plain.length() && plain.charAt(start) == ' ') {
          start++;
        }
        width = Math.max(1, rest);
      }
      if (lines.isEmpty()) {
        lines.add(value);
      }
      return lines;
    }
  }
}
