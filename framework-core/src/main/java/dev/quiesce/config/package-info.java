/**
 * Configuration: loading JSON with vertx-config (file, then system properties, then environment),
 * typed sections with their defaults, validation that reports every problem with its JSON path,
 * and duration parsing ({@code "250ms"}, {@code "5s"}, {@code "2m"}).
 */
package dev.quiesce.config;
