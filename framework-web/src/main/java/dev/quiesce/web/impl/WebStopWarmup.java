package dev.quiesce.web.impl;

import dev.quiesce.lifecycle.impl.StopWarmup;

/**
 * The HTTP servers' part of the stop rehearsal ({@link StopWarmup}): the classes of the drain and
 * those Netty and Vert.x load when a server shuts down. Loads classes only: no server is touched.
 */
public final class WebStopWarmup implements StopWarmup {

  /** Classes of Vert.x and Netty that a server's shutdown loads, named: most are not public. */
  static final String[] LIBRARY_CLASSES = {"io.vertx.core.net.impl.ShutdownEvent",
      "io.netty.channel.group.ChannelMatchers", "io.netty.channel.group.ChannelMatchers$ClassMatcher",
      "io.netty.channel.group.ChannelMatchers$InvertMatcher", "io.netty.channel.group.DefaultChannelGroupFuture",
      "io.netty.channel.group.CombinedIterator", "io.netty.util.concurrent.GenericProgressiveFutureListener"};

  @Override
  public void rehearse() {
    StopWarmup.load(DrainResult.class, DrainPlan.class, ServerDrain.class, OnContext.class, WebState.NotReady.class);
    StopWarmup.load(WebStopWarmup.class.getClassLoader(), LIBRARY_CLASSES);
  }
}
