/** Spring configuration of the registry. */
@NullMarked
package dev.concord.registry.config;

import org.jspecify.annotations.NullMarked;
