package dev.quiesce.web;

import dev.quiesce.config.ConfigReader;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated {@code management.tls} object: the management listener speaks HTTPS with a PEM key
 * and certificate, and may ask clients for a certificate of their own.
 *
 * <p>The files are read when the listener starts and at each reload (a renewed certificate under
 * the same path is picked up by a reload, for new connections). At start and at each reload a file
 * that is missing, unreadable or not PEM, a key that does not belong to the certificate, or a trust
 * file without a certificate is a problem naming its JSON path ({@code management.tls.keyFile} …)
 * and the file: the launcher exits 78, a reload is refused and the old files stay in use.
 *
 * @param keyFile the private key, PEM (PKCS#8 {@code BEGIN PRIVATE KEY} or PKCS#1 {@code BEGIN RSA
 *     PRIVATE KEY}), unencrypted
 * @param certFile the certificate, PEM, followed by its intermediates if any
 * @param clientAuth whether clients must present a certificate: {@code none} (default),
 *     {@code request} (asked for, checked when given) or {@code required} (refused without one)
 * @param trustFile the CA certificates (PEM) client certificates must chain to; required unless
 *     {@code clientAuth} is {@code none}, and refused then (it would have no effect)
 */
public record ManagementTls(Path keyFile, Path certFile, ClientAuth clientAuth, Optional<Path> trustFile) {

  /** The key of the object in the {@code management} section. */
  public static final String KEY = "tls";

  static final List<String> KEYS = ConfigReader.keys("keyFile", "certFile", "clientAuth", "trustFile");
  private static final List<String> CLIENT_AUTH = List.of("none", "request", "required");

  /**
   * Checks the components.
   *
   * @param keyFile the private key, PEM (PKCS#8 {@code BEGIN PRIVATE KEY} or PKCS#1 {@code BEGIN RSA PRIVATE
   *     KEY}), unencrypted
   * @param certFile the certificate, PEM, followed by its intermediates if any
   * @param clientAuth whether clients must present a certificate: {@code none} (default), {@code request} (asked
   *     for, checked when given) or {@code required} (refused without one)
   * @param trustFile the CA certificates (PEM) client certificates must chain to
   * @throws NullPointerException if a component is null
   */
  public ManagementTls {
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(clientAuth, "clientAuth");
    Objects.requireNonNull(trustFile, "trustFile");
  }

  /**
   * Reads {@code tls} of the {@code management} section, recording problems in it; empty when the
   * key is absent (or so broken that nothing can be used).
   */
  static Optional<ManagementTls> read(ConfigReader management) {
    if (!management.has(KEY)) {
      return Optional.empty();
    }
    if (!(management.json().getValue(KEY) instanceof JsonObject)) {
      management.object(KEY); // records that it is not an object
      return Optional.empty();
    }
    ConfigReader r = management.object(KEY);
    r.allowOnly(KEYS);
    String key = r.requiredString("keyFile");
    String cert = r.requiredString("certFile");
    ClientAuth auth = ClientAuth.valueOf(r.choice("clientAuth", "none", CLIENT_AUTH).toUpperCase(Locale.ROOT));
    String trust = r.string("trustFile", null);
    if (trust != null && trust.isBlank()) {
      r.problem("trustFile", "must not be empty; leave it out when clientAuth is \"none\"");
      trust = null;
    } else if (trust == null && auth != ClientAuth.NONE) {
      r.problem("trustFile", "is required when clientAuth is \"" + auth.name().toLowerCase(Locale.ROOT)
          + "\": name the PEM file of the CA certificates that client certificates must chain to");
    } else if (trust != null && auth == ClientAuth.NONE) {
      r.problem("trustFile", "has no effect when clientAuth is \"none\"; set clientAuth to \"request\" or"
          + " \"required\", or leave trustFile out");
      trust = null;
    }
    Optional<Path> keyPath = path(r, "keyFile", key);
    Optional<Path> certPath = path(r, "certFile", cert);
    Optional<Path> trustPath = path(r, "trustFile", trust);
    if (keyPath.isEmpty() || certPath.isEmpty() || (trust != null && trustPath.isEmpty())) {
      return Optional.empty();
    }
    return Optional.of(new ManagementTls(keyPath.get(), certPath.get(), auth, trustPath));
  }

  /** {@code value} as a path; empty when absent, blank (already a problem) or not a path (a problem then). */
  static Optional<Path> path(ConfigReader r, String key, String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Path.of(value));
    } catch (InvalidPathException e) {
      r.problem(key, ConfigReader.describe(value) + " is not a file path: " + e.getReason());
      return Optional.empty();
    }
  }
}
