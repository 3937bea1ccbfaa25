package dev.concord.it;

import dev.concord.cluster.Channels;
import dev.concord.devsuite.DemoSeed;
import dev.concord.devsuite.LocalSuite;
import dev.concord.protocol.TokenVerifier;
import java.time.Duration;

/** The five services on free loopback ports, with the demo guild seeded. One per test class. */
final class SuiteFixture implements AutoCloseable {
  final LocalSuite suite;
  final Channels channels;
  final DemoSeed.Demo demo;

  SuiteFixture(String secret) {
    this(LocalSuite.Options.defaults(secret));
  }

  SuiteFixture(LocalSuite.Options options) {
    String secret = options.tokenSecret();
    suite = LocalSuite.start(LocalSuite.Ports.free(), options);
    channels = new Channels();
    try {
      demo =
          DemoSeed.seed(
              channels.forAddress(suite.guildAddress()), new TokenVerifier(secret), Duration.ofHours(1), Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  String url(String query) {
    return suite.gatewayUrl() + "/?" + query;
  }

  @Override
  public void close() {
    channels.close();
    suite.close();
  }
}
