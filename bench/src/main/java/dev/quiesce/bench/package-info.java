/** The benchmark harness (see bench/README.md). */
package dev.quiesce.bench;
