/**
 * The process manager: {@link dev.quiesce.process.ProcessManagerVerticle} supervises child
 * processes in their own sessions and process groups, propagates signals, stops them through
 * their stop ladders in the terminate phase, restarts them with backoff, and answers the
 * commands of {@code quiesce.process}. Configured by the {@code processes} section. Depends on
 * framework-core only.
 */
package dev.quiesce.process;
