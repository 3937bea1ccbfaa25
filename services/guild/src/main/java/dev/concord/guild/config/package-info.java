/** Guild service: config. */
@NullMarked
package dev.concord.guild.config;

import org.jspecify.annotations.NullMarked;
