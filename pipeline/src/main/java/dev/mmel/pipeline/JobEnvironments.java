package dev.mmel.pipeline;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the index jobs run: Flink inside this JVM, or a running standalone cluster that gets
 * the job jar shipped with the job. Both restart a failed job from its last checkpoint the same
 * way, so a job behaves alike wherever it runs.
 */
public final class JobEnvironments {
  private JobEnvironments() {}

  /** A local Flink environment in this JVM, checkpointing and restarting as a cluster would. */
  public static StreamExecutionEnvironment local(int parallelism) {
    Configuration config = jobConfig();
    // Accumulators, which drive the progress line, travel with heartbeats (10 s by default).
    config.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
    return StreamExecutionEnvironment.createLocalEnvironment(parallelism, config);
  }

  /**
   * The cluster at {@code address}; {@code jars} (the job jar first) are uploaded with every
   * job. Every path in a job's settings is opened by the TaskManagers, so on a cluster of more
   * than one host they must lie on storage all hosts share.
   */
  public static StreamExecutionEnvironment cluster(ClusterAddress address, int parallelism,
      List<Path> jars) {
    if (jars.isEmpty()) {
      throw new IllegalArgumentException("a cluster job needs its job jar");
    }
    for (Path jar : jars) {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("job jar " + jar + " does not exist");
      }
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
        address.host(), address.port(), jobConfig(),
        jars.stream().map(p -> p.toAbsolutePath().toString()).toArray(String[]::new));
    env.setParallelism(parallelism);
    return env;
  }

  /**
   * The default job jar: the one the pipeline module's build puts next to the classes this JVM
   * runs ({@code target/job/mmel-pipeline-job.jar}).
   */
  public static Path defaultJobJar() {
    CodeSource source = JobEnvironments.class.getProtectionDomain().getCodeSource();
    Path code;
    try {
      code = source == null ? null : Path.of(source.getLocation().toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      code = null;
    }
    if (code == null) {
      throw new IllegalStateException("cannot tell where the pipeline classes were loaded from; "
          + "give the job jar with --job-jar");
    }
    Path jar = code.toAbsolutePath().getParent().resolve("job/mmel-pipeline-job.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("no job jar at " + jar + ": build it with "
          + "mvn -q -DskipTests package, or give one with --job-jar");
    }
    return jar;
  }

  /** Job settings shared by both places: a bounded number of restarts from checkpoints. */
  private static Configuration jobConfig() {
    Configuration config = new Configuration();
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
    return config;
  }
}
