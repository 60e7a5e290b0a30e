/**
 * Implementation of the process manager: the supervisor and its groups and instances, spawning on
 * one long-lived thread, stop ladders, readiness, output capture, the guardian and the sweep of
 * leftovers, POSIX calls through JNA. Not API.
 */
package dev.quiesce.process.impl;
