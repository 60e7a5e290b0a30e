/** Implementation of configuration loading (the {@code quiesce.*} / {@code QUIESCE_*} overrides). Not API. */
package dev.quiesce.config.impl;
