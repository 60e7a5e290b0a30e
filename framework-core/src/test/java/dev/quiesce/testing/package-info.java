/**
 * Test support shared by every module through framework-core's test jar: bounded waits, real JVMs
 * started for end-to-end tests, /proc readers, a recording participant, the architecture rules.
 */
package dev.quiesce.testing;
