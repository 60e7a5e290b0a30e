/**
 * Implementation of framework-cluster: the Hazelcast configuration, the clustered Vert.x factory,
 * the configuration section. Not API.
 */
package dev.quiesce.cluster.impl;
