/**
 * The CLI's implementation: the management listener's client over the JDK's HTTP client, the
 * {@code text/event-stream} reader with its deadline, and the short human summaries.
 */
package dev.quiesce.cli.impl;
