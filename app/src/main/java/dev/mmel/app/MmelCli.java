package dev.mmel.app;

import dev.mmel.app.bench.HttpBenchCommand;
import dev.mmel.app.bench.IndexBenchCommand;
import dev.mmel.app.bench.PipelineBenchCommand;
import dev.mmel.app.bench.ServingBenchCommand;
import dev.mmel.app.cli.BenchCommand;
import dev.mmel.app.cli.CompareCommand;
import dev.mmel.app.cli.DataCommand;
import dev.mmel.app.cli.DemoCommand;
import dev.mmel.app.cli.DurationConverter;
import dev.mmel.app.cli.EvaluateCommand;
import dev.mmel.app.cli.IndexCommand;
import dev.mmel.app.cli.KbCommand;
import dev.mmel.app.cli.LinkCommand;
import dev.mmel.app.cli.ModelCommand;
import dev.mmel.app.cli.NilCommand;
import dev.mmel.app.cli.ServeCommand;
import dev.mmel.app.cli.TokenizeCommand;
import dev.mmel.app.cli.TrainCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The `mmel` command line: one entry point, subcommands for each job. */
@Command(name = "mmel", mixinStandardHelpOptions = true,
    versionProvider = MmelCli.Version.class,
    description = "Multimodal entity linking with MMoE on TensorFlow Java.",
    subcommands = {TokenizeCommand.class, ModelCommand.class, KbCommand.class, DataCommand.class,
        TrainCommand.class, EvaluateCommand.class, CompareCommand.class, IndexCommand.class,
        ServeCommand.class, LinkCommand.class, NilCommand.class, DemoCommand.class,
        BenchCommand.class, IndexBenchCommand.class, PipelineBenchCommand.class,
        HttpBenchCommand.class,
        CommandLine.HelpCommand.class})
public final class MmelCli {

  public static void main(String[] args) {
    CommandLine cli = commandLine();
    int code = cli.execute(args);
    // picocli's writers flush on println only; a result printed with print() (a report ending
    // in a line separator) would otherwise be lost at exit.
    cli.getOut().flush();
    cli.getErr().flush();
    System.exit(code);
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new MmelCli());
    // `mmel bench serving`: the commands package never uses the benchmarks, so the benchmark
    // joins `bench` here (before the converters and help, which reach the subcommands there).
    cli.getSubcommands().get("bench").addSubcommand(new ServingBenchCommand());
    cli.registerConverter(java.time.Duration.class, new DurationConverter());
    cli.setHelpFactory(WrappingHelp::new);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + describe(e));
      if (System.getenv("MMEL_DEBUG") != null) {
        e.printStackTrace(commandLine.getErr());
      } else {
        commandLine.getErr().println("(set MMEL_DEBUG=1 for the stack trace)");
      }
      return 1;
    });
    return cli;
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    if (e instanceof java.nio.file.NoSuchFileException missing) {
      return missing.getFile() + (missing.getReason() != null ? ": " + missing.getReason()
          : ": no such file");
    }
    return message != null ? message : e.getClass().getSimpleName();
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = MmelCli.class.getPackage().getImplementationVersion();
      return new String[] {"mmel " + (version != null ? version : "development build")};
    }
  }
}
