package dev.quiesce.bench;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Follows {@code GET /lifecycle/events} (server-sent events) of the management listener on a
 * thread of its own, and hands over every event of one type with the time it arrived.
 */
final class EventWatcher implements AutoCloseable {

  /** An event and the System.nanoTime() it was read at. */
  record Event(String type, JsonObject data, long at) {
  }

  private final Socket socket = new Socket();
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;

  EventWatcher(int port) throws IOException {
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    OutputStream out = socket.getOutputStream();
    out.write(("GET /lifecycle/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    java.io.InputStream raw = new java.io.BufferedInputStream(socket.getInputStream());
    boolean chunked = false;
    String header;
    while (!(header = readLine(raw)).isEmpty()) {
      if (header.toLowerCase().startsWith("transfer-encoding:") && header.toLowerCase().contains("chunked")) {
        chunked = true;
      }
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(chunked ? new Dechunk(raw) : raw,
        StandardCharsets.UTF_8));
    reader = new Thread(() -> read(in), "bench-events");
    reader.setDaemon(true);
    reader.start();
  }

  private static String readLine(java.io.InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  /** The body of a chunked response. */
  private static final class Dechunk extends java.io.InputStream {
    private final java.io.InputStream in;
    private int left;
    private boolean done;

    Dechunk(java.io.InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      while (left == 0) {
        String size = readLine(in).trim();
        if (size.isEmpty()) {
          continue;
        }
        left = Integer.parseInt(size.split(";")[0], 16);
        if (left == 0) {
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, Math.min(len, left));
      if (n < 0) {
        done = true;
        return -1;
      }
      left -= n;
      return n;
    }
  }

  private void read(BufferedReader in) {
    String type = null;
    try {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("event:")) {
          type = line.substring(6).trim();
        } else if (line.startsWith("data:") && type != null) {
          String data = line.substring(5).trim();
          try {
            events.add(new Event(type, new JsonObject(data), System.nanoTime()));
          } catch (RuntimeException e) {
            events.add(new Event(type, new JsonObject().put("raw", data), System.nanoTime()));
          }
          type = null;
        }
      }
    } catch (IOException e) {
      // closed
    }
  }

  /** The next event of {@code type}, or null after {@code timeoutMs}. */
  Event next(String type, long timeoutMs) throws InterruptedException {
    long until = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      Event e = events.poll(left, TimeUnit.NANOSECONDS);
      if (e != null && e.type().equals(type)) {
        return e;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
