package dev.mmel.serving.state;

import dev.mmel.serving.link.Binding;
import dev.mmel.serving.link.BindingSource;
import dev.mmel.serving.link.NotServingException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The binding requests are served from, swapped without a restart: a request holds a lease on
 * the binding it started with, and a binding swapped out is closed when its last lease ends,
 * so no request ever sees a model or index closed under it.
 */
public final class LiveBinding implements BindingSource, AutoCloseable {
  private final AtomicReference<Counted> current = new AtomicReference<>();
  private volatile String notServingReason = "starting: no model and index loaded yet";
  private volatile boolean available = true;

  /** Serves {@code next} from now on; the binding it replaces closes after its last request. */
  public void swap(Binding next) {
    Counted previous = current.getAndSet(new Counted(next));
    if (previous != null) {
      previous.release();
    }
  }

  /**
   * Refuses requests from now on, with this reason, until {@link #serving()}: while the store
   * does not answer, callers learn it at once instead of each waiting for its own timeout.
   */
  public void notServing(String reason) {
    notServingReason = reason;
    available = false;
  }

  /** Serves requests again (after {@link #notServing}). */
  public void serving() {
    available = true;
  }

  /** The binding served now, or null. For reporting (GetInfo, health), not for requests. */
  public Binding peek() {
    Counted counted = current.get();
    return counted == null ? null : counted.binding;
  }

  public String notServingReason() {
    return notServingReason;
  }

  @Override
  public Lease acquire() {
    Lease lease = available ? lease() : null;
    if (lease == null) {
      throw new NotServingException(notServingReason);
    }
    return lease;
  }

  /**
   * A lease on the binding served now, also while requests are refused (for the watcher's probe
   * of its index); null when there is none.
   */
  Lease lease() {
    while (true) {
      Counted counted = current.get();
      if (counted == null) {
        return null;
      }
      if (counted.retain()) {
        return new Lease() {
          @Override
          public Binding binding() {
            return counted.binding;
          }

          @Override
          public void close() {
            counted.release();
          }
        };
      }
      // It was swapped out and closed between the read and the retain: read again.
    }
  }

  /** Closes the binding served now once its requests are done; later acquires fail. */
  @Override
  public void close() {
    notServingReason = "shutting down";
    Counted last = current.getAndSet(null);
    if (last != null) {
      last.release();
    }
  }

  /** A binding with its leases; the live reference counts as one. */
  private static final class Counted {
    private final Binding binding;
    private final AtomicInteger references = new AtomicInteger(1);

    Counted(Binding binding) {
      this.binding = binding;
    }

    boolean retain() {
      for (int n = references.get(); n > 0; n = references.get()) {
        if (references.compareAndSet(n, n + 1)) {
          return true;
        }
      }
      return false;
    }

    void release() {
      if (references.decrementAndGet() == 0) {
        binding.close();
      }
    }
  }
}
