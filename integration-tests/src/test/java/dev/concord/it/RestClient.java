package dev.concord.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A minimal REST client for the tests: one call, its status, headers and JSON body. */
final class RestClient implements AutoCloseable {
  static final JsonMapper JSON = JsonMapper.builder().build();

  record Response(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      return body.isEmpty() ? JSON.nullNode() : JSON.readTree(body);
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  private final String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** {@code gatewayUrl} is the suite's ws:// URL; REST is the same host and port. */
  RestClient(String gatewayUrl) {
    this.base = gatewayUrl.replace("ws://", "http://") + "/api/v10";
  }

  Response call(String method, String path, String token, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15));
    if (token != null) {
      b.header("Authorization", "Bot " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.headers(), r.body());
  }

  Response get(String path, String token) throws IOException, InterruptedException {
    return call("GET", path, token, null);
  }

  @Override
  public void close() {
    http.close();
  }
}
