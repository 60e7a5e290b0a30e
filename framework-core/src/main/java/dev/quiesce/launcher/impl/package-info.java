/**
 * Implementation of the launcher: the command line, the run from start to exit, the start line,
 * the watchdog that exits when a stop cannot finish, logging defaults. Not API.
 */
package dev.quiesce.launcher.impl;
