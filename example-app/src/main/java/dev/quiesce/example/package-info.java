/**
 * The example application of the README: an HTTP API with a worker pool of child processes, built
 * only on the public API of framework-core, framework-web and process-manager.
 */
package dev.quiesce.example;
