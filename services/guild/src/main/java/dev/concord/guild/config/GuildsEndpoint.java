package dev.concord.guild.config;

import dev.concord.guild.core.GuildIntrospection;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code GET /actuator/guilds?top=N&by=mailbox|rate|subscribers}: this pod's guilds, the most
 * backed-up (or busiest, or most watched) first, with mailbox depth, operations per second over
 * the last 10 s, subscribers, activation state and owner epoch; {@code GET /actuator/guilds/{id}}:
 * one guild (404 if this pod does not hold it). On the management port, with the other actuator
 * endpoints. Bounded: at most 1 000 guilds per answer; no per-guild metric labels anywhere.
 */
@Endpoint(id = "guilds")
public class GuildsEndpoint {
  private final GuildIntrospection introspection;

  public GuildsEndpoint(GuildIntrospection introspection) {
    this.introspection = introspection;
  }

  @ReadOperation
  public GuildIntrospection.PodView top(@Nullable Integer top, @Nullable String by) {
    GuildIntrospection.By order;
    try {
      order = by == null ? GuildIntrospection.By.MAILBOX : GuildIntrospection.By.valueOf(by.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidEndpointRequestException("by must be mailbox, rate or subscribers", "unknown order: " + by);
    }
    return introspection.top(top == null ? 20 : top, order);
  }

  @ReadOperation
  public GuildIntrospection.@Nullable GuildView guild(@Selector long id) {
    return introspection.guild(id).orElse(null);
  }
}
