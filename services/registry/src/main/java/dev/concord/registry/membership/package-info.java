/** Membership sources and the rings built from them. */
@NullMarked
package dev.concord.registry.membership;

import org.jspecify.annotations.NullMarked;
