/**
 * systemd's notify protocol ({@code sd_notify(3)}), the sending side: {@link dev.quiesce.systemd.SdNotify}
 * for any Java program (the launcher tells systemd about the service with it, a child of the
 * process manager about itself). Linux only. The Unix datagram glue through JNA, which the process
 * manager's receiving socket shares, is in {@code impl} (not API).
 */
package dev.quiesce.systemd;
