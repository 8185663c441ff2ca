package cs.resources.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy and storage folders must be writable by the user running the launcher alone (a real
 * file system; POSIX permissions).
 */
class FoldersTest {

    @TempDir
    Path dir;

    @Test
    void aMissingFolderIsMadeWritableByItsOwnerOnly() throws Exception {
        Path load = Folders.own(dir.resolve("a").resolve("load"), "the deploy folder", "--load DIR");
        assertThat(load).isDirectory().isAbsolute();
        assertThat(Files.getPosixFilePermissions(load))
                .contains(PosixFilePermission.OWNER_WRITE)
                .doesNotContain(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        // Checked again, as at the next start: accepted.
        assertThat(Folders.own(load, "the deploy folder", "--load DIR")).isEqualTo(load);
    }

    @Test
    void aFolderItsGroupOrOthersCanWriteIsRefusedSayingHowToFixIt() throws Exception {
        Path load = Files.createDirectory(dir.resolve("load"));
        Files.setPosixFilePermissions(load, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThatIllegalStateException().isThrownBy(() -> Folders.own(load, "the deploy folder", "--load DIR"))
                .withMessage("the deploy folder " + load + " can be written by its group (rwxrwxr-x): whoever can write"
                        + " there runs code in this JVM. Fix it with: chmod go-w " + load
                        + " (or choose a folder of your own: --load DIR)");
        Files.setPosixFilePermissions(load, PosixFilePermissions.fromString("rwxr-xrwx"));
        assertThatIllegalStateException().isThrownBy(() -> Folders.check(load, "the storage folder", "--storage DIR"))
                .withMessageStartingWith("the storage folder " + load + " can be written by others (rwxr-xrwx)")
                .withMessageContaining("chmod go-w " + load);
        Files.setPosixFilePermissions(load, PosixFilePermissions.fromString("rwxr-xr-x"));
        Folders.check(load, "the deploy folder", "--load DIR");
    }

    @Test
    void aFolderOfAnotherUserIsRefused() throws Exception {
        String me = ProcessHandle.current().info().user().orElseThrow();
        assumeTrue(me.equals("root"), "giving a folder to another user takes root; this runs as " + me);
        Path load = Files.createDirectory(dir.resolve("load"));
        UserPrincipal nobody = load.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(load, nobody);
        assertThatIllegalStateException().isThrownBy(() -> Folders.check(load, "the deploy folder", "--load DIR"))
                .withMessageStartingWith("the deploy folder " + load + " belongs to nobody, not to root who runs the"
                        + " launcher")
                .withMessageContaining("chown root " + load);
    }

    @Test
    void aPathIsQuotedForTheShellWhenItNeedsIt() {
        assertThat(Folders.quote(Path.of("/srv/app/load"))).isEqualTo("/srv/app/load");
        assertThat(Folders.quote(Path.of("/srv/my app/it's"))).isEqualTo("'/srv/my app/it'\\''s'");
    }
}
