/**
 * Configuration: loading JSON or YAML (by the file's extension, {@link dev.quiesce.config.ConfigFormat}) with
 * vertx-config (file, then system properties, then environment),
 * typed sections with their defaults, validation that reports every problem with its JSON path,
 * and duration parsing ({@code "250ms"}, {@code "5s"}, {@code "2m"}).
 */
package dev.quiesce.config;
