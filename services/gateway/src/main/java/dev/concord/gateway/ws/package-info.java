/** Gateway: ws. */
@NullMarked
package dev.concord.gateway.ws;

import org.jspecify.annotations.NullMarked;
