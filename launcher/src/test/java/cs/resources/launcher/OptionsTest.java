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
    void badCommandLinesSayWhatIsWrong() {
        assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--nosuch"))
                .withMessage("unknown option \"--nosuch\" (--help lists them)");
        assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--load"))
                .withMessage("--load needs a DIR");
        assertThatIllegalArgumentException().isThrownBy(() -> Options.parse("--keep=yes"))
                .withMessage("--keep takes no value, not \"yes\"");
    }

    @Test
    void theUsageListsEveryOption() {
        String usage = Options.usage();
        for (Options.Option option : Options.OPTIONS) {
            assertThat(usage).contains(option.name());
        }
    }
}
