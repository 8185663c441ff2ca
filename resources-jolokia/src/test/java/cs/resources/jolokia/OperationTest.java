package cs.resources.jolokia;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** What a Jolokia client names as an operation, and what the restrictor refuses to guess at. */
class OperationTest {

    @Test
    void aNameAloneIsAnyOverload() {
        assertThat(Operation.parse("cancel")).isEqualTo(new Operation("cancel", null));
        assertThat(Operation.parse(" cancel ")).isEqualTo(new Operation("cancel", null));
    }

    @Test
    void aSignatureGivesTheTypes() {
        assertThat(Operation.parse("cancel(java.lang.String)")).isEqualTo(new Operation("cancel", List.of("java.lang.String")));
        assertThat(Operation.parse("listRunStates(boolean)")).isEqualTo(new Operation("listRunStates", List.of("boolean")));
        assertThat(Operation.parse("f( int , [Ljava.lang.String; )")).isEqualTo(new Operation("f", List.of("int", "[Ljava.lang.String;")));
        assertThat(Operation.parse("gc()")).isEqualTo(new Operation("gc", List.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "(int)", "f(int", "f(int))", "f(int)x", "f((int))", "f(int,)", "f(,int)", "f(in t)", "a b", "f)"})
    void whatIsNotANameWithASignatureIsNothing(String operation) {
        assertThat(Operation.parse(operation)).as(operation).isNull();
    }

    @Test
    void nullIsNothing() {
        assertThat(Operation.parse(null)).isNull();
    }
}
