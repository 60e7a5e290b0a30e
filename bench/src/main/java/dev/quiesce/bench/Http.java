package dev.quiesce.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking HTTP/1.1 client on a raw socket, one connection per request
 * ({@code Connection: close}): for probes and status polls, where a pooled client or an h2c
 * upgrade attempt would only add noise.
 */
final class Http {

  /** A status and a body; status -1 when the connection failed. */
  record Response(int status, String body) {
  }

  private Http() {
  }

  static Response get(int port, String path, int timeoutMs) {
    return request("GET", port, path, null, timeoutMs);
  }

  static Response request(String method, int port, String path, String bearer, int timeoutMs) {
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
      s.setSoTimeout(timeoutMs);
      OutputStream out = s.getOutputStream();
      String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n"
          + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n")
          + ("POST".equals(method) ? "Content-Length: 0\r\n" : "") + "\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      int n;
      while ((n = in.read(chunk)) > 0) {
        buf.write(chunk, 0, n);
      }
      String text = buf.toString(StandardCharsets.UTF_8);
      int sp = text.indexOf(' ');
      if (!text.startsWith("HTTP/") || sp < 0 || text.length() < sp + 4) {
        return new Response(-1, text);
      }
      int status = Integer.parseInt(text.substring(sp + 1, sp + 4));
      int bodyAt = text.indexOf("\r\n\r\n");
      String body = bodyAt < 0 ? "" : text.substring(bodyAt + 4);
      if (text.substring(0, Math.max(0, bodyAt)).toLowerCase().contains("transfer-encoding: chunked")) {
        body = dechunk(body);
      }
      return new Response(status, body);
    } catch (IOException | RuntimeException e) {
      return new Response(-1, e.toString());
    }
  }

  private static String dechunk(String body) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < body.length()) {
      int eol = body.indexOf("\r\n", at);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(body.substring(at, eol).trim().split(";")[0], 16);
      if (size == 0) {
        break;
      }
      out.append(body, eol + 2, Math.min(body.length(), eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    return out.toString();
  }

  /** Polls {@code path} every {@code everyMs} until it answers 200; returns System.nanoTime() of that answer. */
  static long awaitOk(Server server, int port, String path, long timeoutMs, long everyMs) throws InterruptedException {
    long until = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < until) {
      Response r = get(port, path, 1000);
      if (r.status() == 200) {
        return System.nanoTime();
      }
      server.checkAlive();
      Thread.sleep(everyMs);
    }
    throw new IllegalStateException(server.name + ": " + path + " on port " + port + " did not answer 200 within "
        + timeoutMs + " ms; log: " + server.log);
  }

  /** Fails when something already listens on {@code port} (the harness must never measure someone else's server). */
  static void requireFree(int... ports) {
    for (int port : ports) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress("127.0.0.1", port));
      } catch (IOException e) {
        throw new IllegalStateException("port " + port + " on 127.0.0.1 is in use; choose others with --port/--mport");
      }
    }
  }
}
