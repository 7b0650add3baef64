package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmel.testkit.LocalFlinkCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Runs a TensorFlow job twice on a real standalone Flink cluster (infra/flink.sh).
 *
 * <p>Two submissions to one TaskManager are the case that aborts the JVM when each job's user
 * classloader loads its own copy of TF (and so TF's native library, whose protobuf registry then
 * sees every descriptor twice). The job here ships TF's Java jars with its code, as a fat jar
 * would, and checks from inside the operator that TF's classes still came from the cluster's lib:
 * that holds only while the cluster resolves {@code org.tensorflow.} parent-first. TF's 160 MB
 * native-library jar is left out of the upload; it would only turn that failed check into a
 * crashed TaskManager.
 *
 * <p>The cluster URL comes from {@code -Dmmel.flink.rest} or {@code MMEL_FLINK_REST}; without
 * either, the test starts the cluster itself and stops it again afterwards.
 */
class FlinkClusterIT {

  private static final int PARALLELISM = 2;
  private static final long RECORDS = 8;
  private static final Duration JOB_TIMEOUT = Duration.ofSeconds(90);

  private static LocalFlinkCluster cluster;
  private static URI rest;
  private static List<String> jobJars;

  @BeforeAll
  static void cluster() throws Exception {
    cluster = LocalFlinkCluster.acquire();
    rest = cluster.rest();
    jobJars = jobJars();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void tensorflowJobSubmittedTwiceRunsOnTheSameLiveTaskManager() throws Exception {
    Set<String> taskManagersBefore = taskManagerIds();
    assertFalse(taskManagersBefore.isEmpty(), "no TaskManager registered at " + rest);

    Submission first = submit("mmel-tf-smoke-1");
    Submission second = submit("mmel-tf-smoke-2");

    for (Submission submission : List.of(first, second)) {
      assertEquals("FINISHED", jobState(submission.jobId), submission.name);
      assertResults(submission);
    }

    // The point of the exercise: one TaskManager JVM ran TF for both jobs, and lives on.
    Set<Long> firstPids = pids(first);
    Set<Long> secondPids = pids(second);
    Set<Long> shared = new TreeSet<>(firstPids);
    shared.retainAll(secondPids);
    assertFalse(
        shared.isEmpty(),
        "expected a TaskManager JVM to serve both jobs; first ran in "
            + firstPids
            + ", second in "
            + secondPids);
    // PIDs name processes on this machine only; a cluster elsewhere is checked via REST alone.
    boolean local = InetAddress.getByName(rest.getHost()).isLoopbackAddress();
    for (long pid : local ? shared : Set.<Long>of()) {
      assertTrue(
          ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
          "TaskManager JVM " + pid + " died after running both TF jobs");
    }
    Set<String> taskManagersAfter = taskManagerIds();
    assertTrue(
        taskManagersAfter.containsAll(taskManagersBefore),
        "TaskManagers before " + taskManagersBefore + ", after " + taskManagersAfter);

    System.out.printf(
        "FlinkClusterIT: job %s and job %s both FINISHED on TaskManager JVM(s) %s; "
            + "TF classes came from %s; TaskManagers still registered: %s%n",
        first.jobId,
        second.jobId,
        shared,
        first.results.get(0).tfCodeSource,
        taskManagersAfter);
  }

  private static void assertResults(Submission submission) {
    List<TfResult> results = new ArrayList<>(submission.results);
    results.sort(Comparator.comparingLong(r -> r.input));
    assertEquals(RECORDS, results.size(), submission.name + ": " + results);
    for (int i = 0; i < RECORDS; i++) {
      TfResult result = results.get(i);
      assertEquals(i + 1, result.input, submission.name);
      // [x, 1] x [[3], [0.5]] is exact in float32 for these inputs.
      assertEquals(3f * result.input + 0.5f, result.output, 0f, submission.name + ": " + result);
      assertFalse(
          result.tfFromJobClassLoader,
          submission.name + ": TF classes were loaded from the job's jars: " + result);
      assertNotEquals("", result.tfCodeSource, submission.name);
      assertFalse(
          result.tfCodeSource.contains("blob"),
          submission.name + ": TF classes came from an uploaded job jar: " + result.tfCodeSource);
    }
  }

  private static Set<Long> pids(Submission submission) {
    return submission.results.stream().map(r -> r.taskManagerPid).collect(Collectors.toSet());
  }

  private Submission submit(String name) throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createRemoteEnvironment(
            rest.getHost(), rest.getPort(), jobJars.toArray(String[]::new));
    env.setParallelism(PARALLELISM);
    CloseableIterator<TfResult> collected =
        env.fromSequence(1, RECORDS).map(new TfAffine()).name("tf-affine").collectAsync();
    JobClient client = env.executeAsync(name);
    List<TfResult> results = new ArrayList<>();
    try (collected) {
      collected.forEachRemaining(results::add);
    }
    client.getJobExecutionResult().get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    return new Submission(name, client.getJobID(), results);
  }

  private static Set<String> taskManagerIds() throws IOException, InterruptedException {
    Set<String> ids = new HashSet<>();
    for (JsonNode tm : cluster.getJson("/taskmanagers").path("taskmanagers")) {
      ids.add(tm.path("id").asText());
    }
    return ids;
  }

  private static String jobState(JobID jobId) throws IOException, InterruptedException {
    return cluster.getJson("/jobs/" + jobId).path("state").asText();
  }

  /**
   * The job's code (this module's test classes, packed into a jar) followed by TF's Java jars
   * from the test classpath, which would shadow the cluster's TF if the cluster loaded {@code
   * org.tensorflow.} child-first.
   */
  private static List<String> jobJars() throws IOException {
    List<String> jars = new ArrayList<>();
    jars.add(LocalFlinkCluster.testClassesJar(FlinkClusterIT.class).toString());
    for (Class<?> tfClass :
        List.of(
            Graph.class,
            org.tensorflow.internal.c_api.TF_Graph.class,
            org.bytedeco.javacpp.Loader.class,
            Shape.class)) {
      Path tfJar = LocalFlinkCluster.codeSource(tfClass);
      assertTrue(Files.isRegularFile(tfJar), tfClass + " is not in a jar: " + tfJar);
      jars.add(tfJar.toString());
    }
    return jars;
  }

  private record Submission(String name, JobID jobId, List<TfResult> results) {}

  /** y = [x, 1] x [[3], [0.5]], computed by a TF session built once per subtask. */
  static final class TfAffine extends RichMapFunction<Long, TfResult> {
    private static final long serialVersionUID = 1L;

    private transient Graph graph;
    private transient Session session;
    private transient String tfCodeSource;
    private transient boolean tfFromJobClassLoader;

    @Override
    public void open(OpenContext openContext) throws Exception {
      graph = new Graph();
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> row =
          tf.withName("row").placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 2)));
      tf.withName("y").linalg.matMul(row, tf.constant(new float[][] {{3f}, {0.5f}}));
      session = new Session(graph);
      tfCodeSource = String.valueOf(Graph.class.getProtectionDomain().getCodeSource().getLocation());
      tfFromJobClassLoader = Graph.class.getClassLoader() == getClass().getClassLoader();
    }

    @Override
    public TfResult map(Long x) {
      try (TFloat32 row =
              TFloat32.tensorOf(
                  Shape.of(1, 2),
                  data -> {
                    data.setFloat(x.floatValue(), 0, 0);
                    data.setFloat(1f, 0, 1);
                  });
          Result result = session.runner().feed("row", row).fetch("y").run()) {
        TfResult out = new TfResult();
        out.input = x;
        out.output = ((TFloat32) result.get(0)).getFloat(0, 0);
        out.taskManagerPid = ProcessHandle.current().pid();
        out.tfCodeSource = tfCodeSource;
        out.tfFromJobClassLoader = tfFromJobClassLoader;
        return out;
      }
    }

    @Override
    public void close() {
      if (session != null) {
        session.close();
      }
      if (graph != null) {
        graph.close();
      }
    }
  }

  /** One computed record, plus where it was computed; a Flink POJO. */
  public static final class TfResult {
    public long input;
    public float output;
    public long taskManagerPid;
    public String tfCodeSource = "";
    public boolean tfFromJobClassLoader;

    @Override
    public String toString() {
      return "TfResult{x="
          + input
          + ", y="
          + output
          + ", pid="
          + taskManagerPid
          + ", tf="
          + tfCodeSource
          + ", fromJobLoader="
          + tfFromJobClassLoader
          + "}";
    }
  }
}
