/**
 * Consistent-hash rings that route keys (guild ids, user ids, session ids) to pods.
 *
 * <p>Start with {@link dev.concord.ring.RingSnapshot}: an immutable, versioned ring whose lookup is a
 * binary search over a primitive array; {@link dev.concord.ring.RingHolder} publishes the current
 * snapshot through one volatile reference.
 */
@NullMarked
package dev.concord.ring;

import org.jspecify.annotations.NullMarked;
