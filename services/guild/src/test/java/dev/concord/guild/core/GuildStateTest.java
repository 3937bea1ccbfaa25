package dev.concord.guild.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.protocol.Intents;
import org.junit.jupiter.api.Test;

class GuildStateTest {
  private final GuildState g = new GuildState(1, "Guild", 10, 0, 1);

  @Test
  void selectiveIntents_relayOnlyToTheSessionsThatAskedForThem() {
    long bot = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;
    long client = bot | Intents.GUILD_PRESENCES | Intents.GUILD_MESSAGE_TYPING;
    g.subscribe(new GuildState.Subscriber("a", 1, 100, "pod-0", bot));
    g.subscribe(new GuildState.Subscriber("b", 2, 101, "pod-0", client));
    g.subscribe(new GuildState.Subscriber("c", 3, 102, "pod-1", bot));

    assertThat(g.subscribersByPod(Intents.GUILD_MESSAGES)).containsOnlyKeys("pod-0", "pod-1");
    assertThat(g.subscribersByPod(Intents.GUILD_MESSAGES).get("pod-0")).containsExactly(1L, 2L);
    assertThat(g.subscribersByPod(Intents.GUILD_PRESENCES)).containsOnlyKeys("pod-0");
    assertThat(g.subscribersByPod(Intents.GUILD_PRESENCES).get("pod-0")).containsExactly(2L);
    assertThat(g.subscribersByPod(Intents.GUILD_MESSAGE_REACTIONS)).isEmpty();

    // re-subscribing with other intents moves the session between the indexes; leaving empties them
    g.subscribe(new GuildState.Subscriber("b", 2, 101, "pod-0", bot));
    assertThat(g.subscribersByPod(Intents.GUILD_PRESENCES)).isEmpty();
    g.subscribe(new GuildState.Subscriber("c", 3, 102, "pod-1", client));
    assertThat(g.subscribersByPod(Intents.GUILD_MESSAGE_TYPING)).containsOnlyKeys("pod-1");
    assertThat(g.unsubscribe("c")).isTrue();
    assertThat(g.subscribersByPod(Intents.GUILD_MESSAGE_TYPING)).isEmpty();
    assertThat(g.subscribersByPod(Intents.GUILD_MESSAGES)).containsOnlyKeys("pod-0");
  }
}
