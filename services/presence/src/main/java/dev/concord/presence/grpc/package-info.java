/** Presence service: grpc. */
@NullMarked
package dev.concord.presence.grpc;

import org.jspecify.annotations.NullMarked;
