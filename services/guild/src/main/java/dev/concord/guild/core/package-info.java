/** Guild service: core. */
@NullMarked
package dev.concord.guild.core;

import org.jspecify.annotations.NullMarked;
