package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concord.proto.guild.v1.RequestMembersRequest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class MemberRequestsTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private static RequestMembersRequest parse(String d) {
    return MemberRequests.parse(JSON.readTree(d));
  }

  @Test
  void parse_jdaStartupChunking_numericGuildIdQueryAllLimitZero() {
    RequestMembersRequest r = parse("{\"guild_id\":1576824918383792128,\"query\":\"\",\"limit\":0}");
    assertThat(r.getGuildId()).isEqualTo(1576824918383792128L);
    assertThat(r.getQuery()).isEmpty();
    assertThat(r.getLimit()).isZero();
  }

  @Test
  void parse_userIdsAsStringsOrNumbers_withPresencesAndNonce() {
    RequestMembersRequest r = parse("{\"guild_id\":\"5\",\"user_ids\":[\"7\",8],\"presences\":true,\"nonce\":\"-42\"}");
    assertThat(r.getUserIdsList()).containsExactly(7L, 8L);
    assertThat(r.getPresences()).isTrue();
    assertThat(r.getNonce()).isEqualTo("-42");
    assertThat(parse("{\"guild_id\":\"5\",\"user_ids\":\"9\"}").getUserIdsList()).containsExactly(9L);
  }

  @Test
  void parse_queryLimitAbove100_isCapped() {
    assertThat(parse("{\"guild_id\":\"5\",\"query\":\"a\",\"limit\":5000}").getLimit()).isEqualTo(100);
  }

  @Test
  void parse_badInput_isRefusedWithTheReason() {
    assertThatThrownBy(() -> parse("{\"query\":\"\"}")).hasMessageContaining("guild_id");
    assertThatThrownBy(() -> parse("{\"guild_id\":\"x\",\"query\":\"\"}")).hasMessageContaining("snowflake");
    assertThatThrownBy(() -> parse("{\"guild_id\":\"5\"}")).hasMessageContaining("query or user_ids");
    assertThatThrownBy(() -> parse("{\"guild_id\":\"5\",\"query\":\"\",\"limit\":-1}")).hasMessageContaining("limit");
    assertThatThrownBy(() -> parse("{\"guild_id\":[\"5\",\"6\"],\"query\":\"\"}")).hasMessageContaining("one guild");
    assertThatThrownBy(() -> parse("[]")).hasMessageContaining("object");
  }
}
