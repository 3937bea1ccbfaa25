/**
 * Senders for Concord's long-lived gRPC streams (gateway↔session links, guild→session relays).
 *
 * <p>Start with {@link dev.concord.streams.BatchingSender}: a bounded queue in front of one stream
 * that batches whatever is ready into one message and respects gRPC flow control.
 */
@NullMarked
package dev.concord.streams;

import org.jspecify.annotations.NullMarked;
