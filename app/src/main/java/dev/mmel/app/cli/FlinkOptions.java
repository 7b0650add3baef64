package dev.mmel.app.cli;

import dev.mmel.pipeline.ClusterAddress;
import dev.mmel.pipeline.JobEnvironments;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Option;

/** Where an index job runs, as the commands' options choose it: this JVM or a cluster. */
final class FlinkOptions {
  @Option(names = "--flink-cluster", paramLabel = "HOST:PORT",
      description = "Submit the job to this running Flink standalone cluster (the JobManager's "
          + "REST address, e.g. 127.0.0.1:8081 as infra/flink.sh start prints it) instead of "
          + "running Flink in this JVM. The TaskManagers open the KB, model and index paths "
          + "themselves: on a cluster of several hosts they must be on storage all share.")
  String cluster;

  @Option(names = "--job-jar", paramLabel = "FILE",
      description = "Job jar shipped to the cluster (default: pipeline/target/job/"
          + "mmel-pipeline-job.jar, which mvn package builds).")
  Path jobJar;

  StreamExecutionEnvironment environment(int parallelism) {
    if (cluster == null) {
      if (jobJar != null) {
        throw new IllegalArgumentException("--job-jar is only used with --flink-cluster");
      }
      return JobEnvironments.local(parallelism);
    }
    return JobEnvironments.cluster(ClusterAddress.parse("--flink-cluster", cluster),
        parallelism, List.of(jobJar != null ? jobJar : JobEnvironments.defaultJobJar()));
  }

  String describe() {
    return cluster == null ? "Flink in this JVM"
        : "the Flink cluster at " + ClusterAddress.parse("--flink-cluster", cluster);
  }
}
