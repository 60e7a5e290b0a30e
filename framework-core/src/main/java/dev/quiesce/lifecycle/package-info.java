/**
 * The lifecycle API: {@link dev.quiesce.lifecycle.LifecycleCoordinator} (the verticle that owns
 * the states and runs the stop phases under one deadline), the {@link dev.quiesce.lifecycle.Participant}
 * SPI and its registration helpers, the built-in drains ({@link dev.quiesce.lifecycle.BlockingWork},
 * {@link dev.quiesce.lifecycle.PeriodicTimers}, {@code Participants.closeOn}, the event-bus consumers of
 * {@link dev.quiesce.lifecycle.QuiesceEventBus}, {@link dev.quiesce.lifecycle.DrainingNetServer}), the phase and state types, the stop report, and the
 * event-bus vocabulary that docs/EVENT-BUS.md describes. Everything an application or another
 * module uses to take part in a stop, drain or reload lives here; the implementation is in
 * {@code dev.quiesce.lifecycle.impl} and is not API.
 */
package dev.quiesce.lifecycle;
