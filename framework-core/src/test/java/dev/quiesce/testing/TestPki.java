package dev.quiesce.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway certificates made with the {@code openssl} command-line tool in a directory of the test:
 * a CA, and leaf certificates it signs (EC P-256 keys, PEM, PKCS#8), valid for a day. A server
 * certificate names {@code IP:127.0.0.1}, so a client that verifies the host accepts it there.
 */
public final class TestPki {

  /** A PEM key and the certificate for it. */
  public record Pair(Path key, Path cert) {
  }

  private final Path dir;

  public TestPki(Path dir) {
    this.dir = dir;
  }

  /** A self-signed CA named {@code name}: {@code name.key}, {@code name.pem}. */
  public Pair ca(String name) {
    Pair ca = new Pair(dir.resolve(name + ".key"), dir.resolve(name + ".pem"));
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", ca.key().toString(), "-out", ca.cert().toString(), "-days", "1", "-subj", "/CN=" + name);
    return ca;
  }

  /**
   * A self-signed server certificate for 127.0.0.1 with an RSA key in the traditional PKCS#1 form
   * ({@code BEGIN RSA PRIVATE KEY}), as older tools and {@code openssl genrsa -traditional} write it.
   */
  public Pair selfSignedRsaPkcs1(String name) {
    Pair pair = new Pair(dir.resolve(name + ".key"), dir.resolve(name + ".pem"));
    Path pkcs8 = dir.resolve(name + ".pkcs8.key");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pkcs8.toString(), "-out",
        pair.cert().toString(), "-days", "1", "-subj", "/CN=" + name, "-addext", "subjectAltName=IP:127.0.0.1");
    openssl("rsa", "-in", pkcs8.toString(), "-traditional", "-out", pair.key().toString());
    return pair;
  }

  /** A server certificate for 127.0.0.1 signed by {@code ca}. */
  public Pair server(Pair ca, String name) {
    return leaf(ca, name, "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  }

  /** A client certificate signed by {@code ca}. */
  public Pair client(Pair ca, String name) {
    return leaf(ca, name, "extendedKeyUsage=clientAuth\n");
  }

  private Pair leaf(Pair ca, String name, String extensions) {
    Pair leaf = new Pair(dir.resolve(name + ".key"), dir.resolve(name + ".pem"));
    Path csr = dir.resolve(name + ".csr");
    Path ext = dir.resolve(name + ".ext");
    try {
      Files.writeString(ext, extensions, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
        leaf.key().toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
    openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(),
        "-CAcreateserial", "-out", leaf.cert().toString(), "-days", "1", "-extfile", ext.toString());
    return leaf;
  }

  private void openssl(String... args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("openssl did not finish within 60s: " + command);
      }
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError("openssl failed (" + p.exitValue() + "): " + command + "\n" + output);
      }
    } catch (IOException e) {
      throw new AssertionError("the openssl command is needed by this test (apt-get install openssl): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
