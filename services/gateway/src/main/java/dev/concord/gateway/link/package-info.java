/** Gateway: link. */
@NullMarked
package dev.concord.gateway.link;

import org.jspecify.annotations.NullMarked;
