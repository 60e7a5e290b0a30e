package dev.quiesce.web.impl;

/** Why a server drains: the label in logs and in the {@code drain} tag of the drain meters. */
public enum DrainKind {
  /** The lifecycle's {@code drain} phase (or {@code close} without one): the server goes for good. */
  STOP("stop"),
  /** A reload replaces the server with one built from the new configuration. */
  RELOAD("reload"),
  /** The verticle is undeployed without a drain phase having run first. */
  UNDEPLOY("undeploy");

  private final String label;

  DrainKind(String label) {
    this.label = label;
  }

  /** {@code stop}, {@code reload} or {@code undeploy}. */
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }
}
