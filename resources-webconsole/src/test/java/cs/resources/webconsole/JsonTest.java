package cs.resources.webconsole;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.RunState;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.utils.json.JSONParser;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void valuesOfEveryKindRoundTripThroughAnIndependentParser() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "quote \" backslash \\ newline \n tab \t nul \u0000 line-sep \u2028 é ✓");
        m.put("html", "</script><b>&amp;</b>");
        m.put("long", Long.MAX_VALUE);
        m.put("int", -3);
        m.put("bool", true);
        m.put("none", null);
        m.put("time", Instant.parse("2026-11-26T13:00:32.5Z"));
        m.put("millis", Duration.ofMillis(3155));
        m.put("state", RunState.State.STOPPING);
        m.put("list", List.of(1, "two"));

        String json = Json.write(m);

        assertThat(json).doesNotContain("<", ">", "&", "\u2028");
        Map<String, Object> back = new JSONParser(json).getParsed();
        assertThat(back.get("text")).isEqualTo(m.get("text"));
        assertThat(back.get("html")).isEqualTo("</script><b>&amp;</b>");
        assertThat(back.get("long")).isEqualTo(Long.MAX_VALUE);
        assertThat(((Number) back.get("int")).intValue()).isEqualTo(-3);
        assertThat(back.get("bool")).isEqualTo(true);
        assertThat(back).containsKey("none");
        assertThat(back.get("none")).isNull();
        assertThat(back.get("time")).isEqualTo("2026-11-26T13:00:32.500Z");
        assertThat(((Number) back.get("millis")).longValue()).isEqualTo(3155);
        assertThat(back.get("state")).isEqualTo("STOPPING");
        assertThat((List<?>) back.get("list")).hasSize(2);
    }

    @Test
    void aRowHasEveryColumnByKeyInOrder() {
        Map<String, Object> row = Json.row(Tables.RUN_STATES,
                Records.runState(17, "ticker", RunState.State.RUNNING, Instant.EPOCH));
        assertThat(row.keySet()).containsExactly("id", "name", "state", "bundleId", "bundle", "startTime",
                "runTimeMillis", "done", "total", "message", "percentDone", "etaMillis", "parentId", "failure", "source");
        assertThat(Json.write(row)).isEqualTo("{\"id\":17,\"name\":\"ticker\",\"state\":\"RUNNING\",\"bundleId\":7,"
                + "\"bundle\":\"com.acme.tasks\",\"startTime\":\"1970-01-01T00:00:00Z\",\"runTimeMillis\":3155,"
                + "\"done\":0,\"total\":0,\"message\":\"\",\"percentDone\":-1,\"etaMillis\":null,\"parentId\":0,"
                + "\"failure\":null,\"source\":\"TASK\"}");
    }

    @Test
    void aValueOfAnotherKindIsRefusedByName() {
        assertThatThrownBy(() -> Json.write(new Object() {
            @Override
            public String toString() {
                return "x";
            }
        })).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("JSON: cannot write a ");
        assertThatThrownBy(() -> Json.write(Map.of(1, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("JSON: a map key must be a string, not 1");
    }
}
