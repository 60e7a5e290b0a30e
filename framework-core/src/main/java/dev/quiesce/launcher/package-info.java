/**
 * The launcher: {@link dev.quiesce.launcher.QuiesceLauncher} starts Vert.x, the coordinator, the
 * signal bridge and the application ({@link dev.quiesce.launcher.QuiesceApplication}), and exits
 * with one of the {@link dev.quiesce.launcher.ExitCodes} when the stop is done.
 */
package dev.quiesce.launcher;
