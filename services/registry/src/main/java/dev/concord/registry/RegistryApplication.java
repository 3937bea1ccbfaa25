package dev.concord.registry;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;
import dev.concord.support.ServiceSupport;

/**
 * The registry service. Its configuration file is {@code concord-registry.yaml} (not application.yaml), so
 * that several services can run in one JVM (the dev suite) without reading each other's files.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(ServiceSupport.class)
public class RegistryApplication {
  public static final String CONFIG_NAME = "concord-registry";

  /** A builder preset with this service's configuration file; pass overrides as --args. */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(RegistryApplication.class).properties("spring.config.name=" + CONFIG_NAME);
  }

  public static void main(String[] args) {
    builder().run(args);
  }
}
