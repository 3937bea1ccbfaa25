/** The registry's gRPC edge. */
@NullMarked
package dev.concord.registry.grpc;

import org.jspecify.annotations.NullMarked;
