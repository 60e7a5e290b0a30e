/**
 * Implementation of framework-web: the HTTP service behind {@code HttpServerVerticle}, request
 * tracking and the drain, the management service, event streams, metrics. Not API.
 */
package dev.quiesce.web.impl;
