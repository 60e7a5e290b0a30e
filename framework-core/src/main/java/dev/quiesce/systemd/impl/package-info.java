/**
 * Implementation of the sd_notify sender (one datagram per message, the barrier wait) and the Unix
 * datagram glue through libc and JNA ({@code UnixDatagrams}) that the process manager's notify socket
 * shares: its only users outside core, named in the architecture rules. Not API.
 */
package dev.quiesce.systemd.impl;
