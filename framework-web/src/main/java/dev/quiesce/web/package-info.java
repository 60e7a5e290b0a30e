/**
 * framework-web: the draining HTTP server verticle (announce, drain, reload by rolling
 * replacement), its configuration, the management listener (health, status, events, control,
 * metrics) and the helpers an application uses to build its router. Depends on framework-core
 * only; talks to the process manager over the event bus, never by import.
 */
package dev.quiesce.web;
