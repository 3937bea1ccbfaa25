/**
 * Tests of the shipped container images: the five services run as the {@code concord/<service>}
 * images that {@code make images} builds, with host networking on loopback, driven by real
 * WebSocket clients and the gRPC guild API. Start at {@link dev.concord.it.containers.ContainerCluster}.
 *
 * <p>They run only with the Maven profile {@code containers} ({@code make test} builds the images
 * first, then runs them); the images are never pulled, so a missing image fails at once.
 */
package dev.concord.it.containers;
