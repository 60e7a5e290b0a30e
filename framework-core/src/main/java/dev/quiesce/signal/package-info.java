/**
 * OS signals: the one signal type, which signals a HotSpot JVM on Linux can catch and why not the
 * others, and the signal bridge that turns caught signals into lifecycle commands.
 */
package dev.quiesce.signal;
