/**
 * Implementation of the lifecycle coordinator: the command parser, the registered participants
 * and the routing of their acknowledgements to rounds ({@code ParticipantRegistry}), one stop run
 * as a chain of phases ({@code StopRun}), one reload ({@code ReloadRun}), one phase round with its
 * acknowledgements, the timers on their own thread, the report file, and the built-in drains
 * behind {@code BlockingWork}, {@code PeriodicTimers} and {@code Participants.closeOn}. Not API: other modules
 * and applications must not import it (an ArchUnit rule in every module fails the build when they
 * do), with one exception: the web and process modules' parts of the stop rehearsal implement
 * {@code StopWarmup} ({@code ArchitectureRules.CORE_IMPL_USERS}).
 */
package dev.quiesce.lifecycle.impl;
