package cs.resources.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The folders the launcher takes code and configuration from: the deploy folder ({@code load/}:
 * bundles run in this JVM, {@code .cfg} files configure it, the HTTP host among them) and the
 * framework's storage (installed bundles, configurations). Whoever can write to one of them runs
 * code as the user who runs the launcher, so, as ssh does with {@code ~/.ssh}, the launcher
 * refuses a folder that anyone but that user can write: one writable by its group or by others,
 * or owned by another user. It creates a missing folder {@code rwxr-xr-x} (less the umask), so a
 * umask of 002 does not make its own folder one it refuses.
 *
 * <p>On a file system without POSIX permissions (Windows) there is nothing to check.
 */
final class Folders {

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_WRITES =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));

    private Folders() {
    }

    /**
     * Creates {@code dir} if it is missing, then {@link #check}s it.
     *
     * @param what how the messages name it: {@code "the deploy folder"}
     * @param option the option that chooses another: {@code "--load DIR"}
     * @return {@code dir}, absolute
     * @throws IllegalStateException if others than its owner, the user running the launcher, can
     *     write to it (the message says how to fix it)
     */
    static Path own(Path dir, String what, String option) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (!Files.isDirectory(absolute)) {
            boolean posix = Files.getFileStore(existingAncestor(absolute)).supportsFileAttributeView(
                    PosixFileAttributeView.class);
            if (posix) {
                Files.createDirectories(absolute, OWNER_WRITES);
            } else {
                Files.createDirectories(absolute);
            }
        }
        check(absolute, what, option);
        return absolute;
    }

    /**
     * @throws IllegalStateException if {@code dir} is writable by its group or by others, or owned
     *     by another user than the one running the launcher; the message says what and how to fix it
     */
    static void check(Path dir, String what, String option) throws IOException {
        Path absolute = dir.toAbsolutePath();
        PosixFileAttributeView view = Files.getFileAttributeView(absolute, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        PosixFileAttributes attributes = view.readAttributes();
        Optional<String> me = ProcessHandle.current().info().user();
        String owner = attributes.owner().getName();
        List<String> problems = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        if (me.isPresent() && !me.get().equals(owner)) {
            problems.add("belongs to " + owner + ", not to " + me.get() + " who runs the launcher");
            fixes.add("chown " + me.get() + " " + quote(absolute));
        }
        Set<PosixFilePermission> perms = attributes.permissions();
        List<String> writers = new ArrayList<>();
        if (perms.contains(PosixFilePermission.GROUP_WRITE)) {
            writers.add("its group");
        }
        if (perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            writers.add("others");
        }
        if (!writers.isEmpty()) {
            problems.add("can be written by " + String.join(" and ", writers) + " ("
                    + PosixFilePermissions.toString(perms) + ")");
            fixes.add("chmod go-w " + quote(absolute));
        }
        if (problems.isEmpty()) {
            return;
        }
        throw new IllegalStateException(what + " " + absolute + " " + String.join(" and ", problems)
                + ": whoever can write there runs code in this JVM. Fix it with: " + String.join(" ; ", fixes)
                + " (or choose a folder of your own: " + option + ")");
    }

    private static Path existingAncestor(Path p) {
        Path a = p;
        while (a != null && !Files.exists(a)) {
            a = a.getParent();
        }
        return a == null ? p.getRoot() : a;
    }

    /** Quotes a path for a POSIX shell. */
    static String quote(Path p) {
        String s = p.toString();
        return s.matches("[A-Za-z0-9_./+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
