package dev.mmel.serving.link;

/** Where requests get the binding they run on; a lease keeps it open until released. */
public interface BindingSource {

  /** A binding in use until the lease is closed. */
  interface Lease extends AutoCloseable {
    Binding binding();

    @Override
    void close();
  }

  /** @throws NotServingException when nothing is served (yet), with the reason */
  Lease acquire();
}
