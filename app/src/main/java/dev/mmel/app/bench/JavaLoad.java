package dev.mmel.app.bench;

import dev.mmel.core.ProgressListener;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.LinkEntityResponse;
import dev.mmel.proto.v1.StageTimings;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The bounded Java load generator: {@code concurrency} threads calling LinkEntity over one
 * channel (one HTTP/2 connection, as ghz uses by default), each sending the next request of the
 * list (round-robin) as soon as its previous call has returned (closed loop), or at a fixed
 * overall rate (paced, for the soak). Calls are numbered in the order they are sent; the first
 * {@code warmup} are not measured.
 */
final class JavaLoad {
  /** How long a run goes: a number of calls, or a time; optionally paced at a rate. */
  record Plan(int concurrency, int warmup, long requests, Duration duration, double rate) {
    static Plan count(int concurrency, int warmup, long requests) {
      return new Plan(concurrency, warmup, requests, null, 0);
    }

    static Plan timed(int concurrency, int warmup, Duration duration) {
      return new Plan(concurrency, warmup, 0, duration, 0);
    }

    static Plan paced(int concurrency, double rate, Duration duration) {
      return new Plan(concurrency, 0, 0, duration, rate);
    }

    /** The calls the run will send, for progress; an estimate for a timed closed loop. */
    long expected(double callsPerSecond) {
      if (duration == null) {
        return warmup + requests;
      }
      double rateGuess = rate > 0 ? rate : callsPerSecond;
      return Math.max(1, (long) (rateGuess * duration.toNanos() / 1e9));
    }
  }

  /** Sees every measured call's answer: the top-1 QID, or null when it failed or was empty. */
  interface Answers {
    void answer(long call, String topQid);
  }

  private final ManagedChannel channel;
  private final List<LinkEntityRequest> requests;
  private final Duration deadline;

  JavaLoad(ManagedChannel channel, List<LinkEntityRequest> requests, Duration deadline) {
    this.channel = channel;
    this.requests = List.copyOf(requests);
    this.deadline = deadline;
  }

  /** Hears, about once a second on the calling thread, how far a run is. */
  interface Monitor {
    /** {@code done} calls of about {@code expected} returned, {@code failed} of them failed. */
    void tick(long done, long expected, long failed);

    /** Items done, rate and ETA on {@code progress}. */
    static Monitor of(ProgressListener progress) {
      return (done, expected, failed) ->
          progress.count(Math.min(done, expected), expected, "calls");
    }
  }

  LoadResult run(Plan plan, Monitor monitor) throws InterruptedException {
    return run(plan, monitor, null);
  }

  /** The top-1 QID of every request, each sent once (failed: null). */
  String[] answers(int concurrency, ProgressListener progress) throws InterruptedException {
    String[] top = new String[requests.size()];
    run(Plan.count(concurrency, 0, requests.size()), Monitor.of(progress),
        (call, qid) -> top[(int) call] = qid);
    return top;
  }

  /** Medians, in ms, of a call's time as the client saw it and as the server split it. */
  record Stages(int calls, double client, double server, double validate, double encode,
      double retrieve, double rerank) {}

  /**
   * {@code calls} calls one after another (after {@code warmup}), each asking the server for
   * its per-stage timings (options.debug): where the time of a call at concurrency 1 goes.
   */
  Stages stages(int warmup, int calls) {
    EntityLinkerGrpc.EntityLinkerBlockingStub stub = EntityLinkerGrpc.newBlockingStub(channel);
    double[][] columns = new double[6][calls];
    for (int call = 0; call < warmup + calls; call++) {
      LinkEntityRequest request = requests.get(call % requests.size());
      LinkEntityRequest.Builder debug = request.toBuilder();
      debug.getMentionBuilder().getOptionsBuilder().setDebug(true);
      long t0 = System.nanoTime();
      StageTimings timings = stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
          .linkEntity(debug.build()).getResult().getTimings();
      long elapsed = System.nanoTime() - t0;
      if (call >= warmup) {
        int c = call - warmup;
        columns[0][c] = elapsed / 1e6;
        columns[1][c] = timings.getTotalMs();
        columns[2][c] = timings.getValidateMs();
        columns[3][c] = timings.getEncodeMs();
        columns[4][c] = timings.getRetrieveMs();
        columns[5][c] = timings.getRerankMs();
      }
    }
    double[] medians = Arrays.stream(columns).mapToDouble(BenchSupport::median).toArray();
    return new Stages(calls, medians[0], medians[1], medians[2], medians[3], medians[4],
        medians[5]);
  }

  private LoadResult run(Plan plan, Monitor monitor, Answers answers)
      throws InterruptedException {
    Run run = new Run(plan, answers);
    Thread[] threads = new Thread[plan.concurrency()];
    Worker[] workers = new Worker[plan.concurrency()];
    for (int i = 0; i < threads.length; i++) {
      workers[i] = new Worker(run);
      threads[i] = new Thread(workers[i], "bench-load-" + i);
      threads[i].setDaemon(true);
    }
    run.start = System.nanoTime();
    run.end = plan.duration() == null ? Long.MAX_VALUE : run.start + plan.duration().toNanos();
    for (Thread thread : threads) {
      thread.start();
    }
    try {
      for (Thread thread : threads) {
        while (thread.isAlive()) {
          thread.join(1000);
          long done = run.done.get();
          double elapsed = Math.max((System.nanoTime() - run.start) / 1e9, 1e-3);
          long expected = plan.expected(done / elapsed);
          // A timed run's estimate may fall short; it is not over until its time is.
          monitor.tick(plan.duration() == null ? done : Math.min(done, expected - 1),
              expected, run.failed.get());
        }
      }
    } catch (InterruptedException e) {
      run.failure.compareAndSet(null, new IllegalStateException("interrupted"));
      throw e;
    }
    if (run.failure.get() != null) {
      throw new IllegalStateException("the load generator failed: " + run.failure.get(),
          run.failure.get());
    }
    return merge(workers);
  }

  private final class Run {
    final Plan plan;
    final Answers answers;
    final AtomicLong next = new AtomicLong();
    final AtomicLong done = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    long start;
    long end;

    Run(Plan plan, Answers answers) {
      this.plan = plan;
      this.answers = answers;
    }

    /** The next call's number, or -1 when the run is over. */
    long take() {
      long call = next.getAndIncrement();
      if (failure.get() != null) {
        return -1;
      }
      if (plan.duration() == null) {
        return call < plan.warmup() + plan.requests() ? call : -1;
      }
      long due = plan.rate() > 0 ? start + (long) (call * 1e9 / plan.rate()) : System.nanoTime();
      if (due >= end) {
        return -1;
      }
      // Paced: wait for the call's slot (threads behind schedule send at once).
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      return call;
    }
  }

  private final class Worker implements Runnable {
    private final Run run;
    private long[] latencies = new long[256];
    private int ok;
    private final Map<String, Long> statuses = new HashMap<>();
    private long firstStart = Long.MAX_VALUE;
    private long lastEnd = Long.MIN_VALUE;

    Worker(Run run) {
      this.run = run;
    }

    @Override
    public void run() {
      EntityLinkerGrpc.EntityLinkerBlockingStub stub = EntityLinkerGrpc.newBlockingStub(channel);
      try {
        for (long call = run.take(); call >= 0; call = run.take()) {
          LinkEntityRequest request = requests.get((int) (call % requests.size()));
          long t0 = System.nanoTime();
          String status = LoadResult.OK;
          LinkEntityResponse response = null;
          try {
            response = stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
                .linkEntity(request);
          } catch (StatusRuntimeException e) {
            status = e.getStatus().getCode().name();
          }
          long t1 = System.nanoTime();
          run.done.incrementAndGet();
          if (!LoadResult.OK.equals(status)) {
            run.failed.incrementAndGet();
          }
          if (call < run.plan.warmup()) {
            continue;
          }
          record(status, t0, t1);
          if (run.answers != null) {
            run.answers.answer(call, response == null
                || response.getResult().getEntitiesCount() == 0 ? null
                : response.getResult().getEntities(0).getQid());
          }
        }
      } catch (RuntimeException e) {
        run.failure.compareAndSet(null, e);
      }
    }

    private void record(String status, long t0, long t1) {
      statuses.merge(status, 1L, Long::sum);
      firstStart = Math.min(firstStart, t0);
      lastEnd = Math.max(lastEnd, t1);
      if (LoadResult.OK.equals(status)) {
        if (ok == latencies.length) {
          latencies = Arrays.copyOf(latencies, 2 * ok);
        }
        latencies[ok++] = t1 - t0;
      }
    }
  }

  private static LoadResult merge(Worker[] workers) {
    List<long[]> parts = new ArrayList<>();
    Map<String, Long> statuses = new HashMap<>();
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    int total = 0;
    for (Worker worker : workers) {
      parts.add(Arrays.copyOf(worker.latencies, worker.ok));
      total += worker.ok;
      worker.statuses.forEach((status, count) -> statuses.merge(status, count, Long::sum));
      first = Math.min(first, worker.firstStart);
      last = Math.max(last, worker.lastEnd);
    }
    long[] latencies = new long[total];
    int at = 0;
    for (long[] part : parts) {
      System.arraycopy(part, 0, latencies, at, part.length);
      at += part.length;
    }
    return new LoadResult(latencies, statuses, last > first ? (last - first) / 1e9 : 0);
  }
}
