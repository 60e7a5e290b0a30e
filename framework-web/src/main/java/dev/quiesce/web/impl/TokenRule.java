package dev.quiesce.web.impl;

import dev.quiesce.web.ManagementConfig;
import java.util.Optional;

/** What makes a management token acceptable, whether it comes from {@code management.token} or a token file. */
public final class TokenRule {

  private TokenRule() {
  }

  /**
   * Why {@code token} cannot be used (too short, or not printable ASCII without spaces), or empty when
   * it can. The message never contains the token itself.
   */
  public static Optional<String> whyNot(String token) {
    if (token.length() < ManagementConfig.MIN_TOKEN_LENGTH) {
      return Optional.of("is too short (" + token.length() + " characters); use at least "
          + ManagementConfig.MIN_TOKEN_LENGTH);
    }
    if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      return Optional.of("must be printable ASCII without spaces");
    }
    return Optional.empty();
  }
}
