/**
 * The {@code quiesce} command-line client of the management listener: {@link dev.quiesce.cli.QuiesceCli}
 * (its subcommands and options) and {@link dev.quiesce.cli.ExitCode} (what its exit status means).
 * The HTTP client, the event-stream reader and the summaries live in {@code impl}.
 */
package dev.quiesce.cli;
