/** Implementation of the sd_notify sender: one datagram per message, the barrier wait. Not API. */
package dev.quiesce.systemd.impl;
