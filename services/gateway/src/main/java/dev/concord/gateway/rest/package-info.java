/** Gateway: rest. */
@NullMarked
package dev.concord.gateway.rest;

import org.jspecify.annotations.NullMarked;
