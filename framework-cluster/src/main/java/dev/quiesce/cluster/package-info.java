/**
 * framework-cluster: a Quiesce application on a clustered Vert.x (Hazelcast embedded). The
 * validated {@code cluster} section; with {@code cluster.enabled} the launcher creates a clustered
 * instance. Lifecycle traffic stays node-local; fleet traffic is cluster-wide. Depends on
 * framework-core only.
 */
package dev.quiesce.cluster;
