package dev.mmel.model.cli;

/**
 * A command that a module above the model (the pipeline, serving) adds to `mmel`: found with
 * {@link java.util.ServiceLoader}, so the model module needs no dependency on them.
 */
public interface CliExtension {

  /** A picocli {@code @Command} object. */
  Object command();
}
