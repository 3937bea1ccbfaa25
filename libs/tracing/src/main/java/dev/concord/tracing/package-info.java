/** Sampled distributed tracing of Concord's message passing (see the module README). */
@NullMarked
package dev.concord.tracing;

import org.jspecify.annotations.NullMarked;
