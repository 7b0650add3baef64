package dev.mmel.app.cli;

import dev.mmel.app.MmelCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One `mmel` command run in this JVM, with its exit code and what it printed to picocli's out
 * and err writers (commands print nowhere else).
 */
public record CliRun(int code, String out, String err) {

  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MmelCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  public String lastLine() {
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }

  /** For assertion messages: both streams. */
  public String printed() {
    return "stdout:\n" + out + "\nstderr:\n" + err;
  }
}
