package cs.resources.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CsrfTest {

    static final class MapSession implements Exchange.Session {
        final Map<String, Object> map = new HashMap<>();

        @Override
        public Object get(String name) {
            return map.get(name);
        }

        @Override
        public void set(String name, Object value) {
            map.put(name, value);
        }
    }

    @Test
    void aSessionKeepsOneRandomTokenAndOnlyItMatches() {
        MapSession a = new MapSession();
        MapSession b = new MapSession();
        String token = Csrf.token(a);
        assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(Csrf.token(a)).isEqualTo(token);
        assertThat(Csrf.token(b)).isNotEqualTo(token);
        assertThat(Csrf.matches(a, token)).isTrue();
        assertThat(Csrf.matches(b, token)).isFalse();
        assertThat(Csrf.matches(a, token.substring(1))).isFalse();
        assertThat(Csrf.matches(a, null)).isFalse();
        assertThat(Csrf.matches(null, token)).isFalse();
        assertThat(Csrf.matches(new MapSession(), "")).isFalse();
    }
}
