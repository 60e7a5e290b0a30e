package dev.quiesce.lifecycle;

/**
 * How a {@link DrainingNetServer} takes part in the stop: its name, by default {@code "tcp:<port>"}
 * (the port it listens on), and {@code "tcp:<port>#2"}, {@code #3}… for further servers on the same
 * port and Vert.x instance (e.g. a verticle deployed with several instances); its phase; the
 * participants it drains after (it keeps accepting until they have answered).
 */
public final class DrainingNetServerOptions extends DrainOptions<DrainingNetServerOptions> {

  /** The defaults: the name {@code "tcp:<port>"}, the {@code drain} phase, after no one. */
  public DrainingNetServerOptions() {
  }

  @Override
  DrainingNetServerOptions self() {
    return this;
  }
}
