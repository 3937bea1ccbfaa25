/** Gateway: config. */
@NullMarked
package dev.concord.gateway.config;

import org.jspecify.annotations.NullMarked;
