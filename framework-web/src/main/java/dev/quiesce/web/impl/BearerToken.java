package dev.quiesce.web.impl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * Checks {@code Authorization: Bearer <token>} against the configured token in constant time:
 * both sides are hashed first (so neither their content nor their length shows in the timing),
 * then compared with {@link MessageDigest#isEqual}.
 */
final class BearerToken {

  private final byte[] expected;

  BearerToken(String token) {
    this.expected = sha256(token);
  }

  /** True when {@code authorization} is {@code Bearer <the token>} (the scheme in any case). */
  boolean matches(String authorization) {
    if (authorization == null) {
      return false;
    }
    String value = authorization.trim();
    if (value.length() < 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(expected, sha256(value.substring(7).trim()));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
