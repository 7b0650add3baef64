package dev.mmel.app.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every `mmel` command has: results go to picocli's out writer (stdout), progress and
 * diagnostics to its err writer (stderr), so commands compose in scripts and tests can capture
 * both.
 */
public abstract class MmelCommand implements Callable<Integer> {
  @Spec
  protected CommandSpec spec;

  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  protected PrintWriter err() {
    return spec.commandLine().getErr();
  }

  protected ConsoleProgress progress(String task) {
    return ConsoleProgress.on(err(), task);
  }

  /** A usage error: picocli prints it with the command's usage hint and exits with 2. */
  protected ParameterException invalid(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
