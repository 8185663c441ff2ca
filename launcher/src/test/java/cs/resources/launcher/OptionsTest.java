package cs.resources.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The launcher's command line, without a framework. */
class OptionsTest {

    @Test
    void noOptionsWatchLoadAndStartFresh() {
        Options o = Options.parse();
        assertThat(o.load).isEqualTo(Path.of("load"));
        assertThat(o.storage).isNull();
        assertThat(o.groups).containsExactly("core", "load");
        assertThat(o.help).isFalse();
    }

    @Test
    void optionsSetTheFolderTheStorageAndTheGroups() {
        assertThat(Options.parse("--load", "drop").load).isEqualTo(Path.of("drop"));
        assertThat(Options.parse("--load=drop").load).isEqualTo(Path.of("drop"));
        assertThat(Options.parse("--keep").storage).isEqualTo(Path.of("felix-cache"));
        assertThat(Options.parse("--storage", "/var/state").storage).isEqualTo(Path.of("/var/state"));
        Options noLoad = Options.parse("--no-load");
        assertThat(noLoad.load).isNull();
        assertThat(noLoad.groups).containsExactly("core");
        assertThat(Options.parse("--help").help).isTrue();
    }

    @Test
    void webAddsItsGroupAndListensOnLoopbackBehindAFreshPassword() {
        Options web = Options.parse("--web");
        assertThat(web.groups).containsExactly("core", "load", "web", "metrics");
        assertThat(web.web()).isTrue();
        assertThat(web.properties).containsEntry("org.apache.felix.http.host", "127.0.0.1")
                .containsEntry("org.osgi.service.http.port", "0")
                .containsEntry("felix.webconsole.username", "admin")
                .containsEntry("org.ops4j.pax.logging.DefaultServiceLog.level", "WARN");
        String password = web.properties.get("felix.webconsole.password");
        assertThat(password).matches("[A-Za-z0-9_-]{16}");
        assertThat(Options.parse("--web").properties.get("felix.webconsole.password")).isNotEqualTo(password);
        assertThat(Options.parse("--web=8080").properties).containsEntry("org.osgi.service.http.port", "8080");
        assertThat(Options.parse().web()).isFalse();
        assertThat(Options.parse().properties).isEmpty();
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--nosuch"))
                .withMessage("unknown option \"--nosuch\" (--help lists them)");
        assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--load"))
                .withMessage("--load needs a DIR");
        assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--keep=yes"))
                .withMessage("--keep takes no value, not \"yes\"");
        for (String bad : new String[] {"0", "65536", "http", ""}) {
            assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--web=" + bad))
                    .withMessage("--web needs a port from 1 to 65535, not \"" + bad + "\"");
        }
        // The port comes only with '=': a word after --web is an argument of its own.
        assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--web", "8080"))
                .withMessage("unknown option \"8080\" (--help lists them)");
    }

    @Test
    void theUsageListsEveryOption() {
        String usage = Options.usage();
        for (Options.Option option : Options.OPTIONS) {
            assertThat(usage).contains(option.name());
        }
        assertThat(usage).contains("--web[=PORT]", "--load DIR");
    }
}
