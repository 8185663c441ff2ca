package cs.resources.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The sockets a process listens on (TCP in state LISTEN, and every UDP socket), read from Linux's
 * {@code /proc/PID/net/*} tables and {@code /proc/PID/fd}.
 */
final class Sockets {

    private Sockets() {
    }

    /**
     * A listening socket.
     *
     * @param table {@code tcp}, {@code tcp6}, {@code udp} or {@code udp6}
     * @param address the local address as the table has it (hex; IPv4 in network order reversed)
     * @param port the local port
     * @param line the table's line
     */
    record Listening(String table, String address, int port, String line) {
        /** @return whether the address is 127.0.0.1 (or ::1, or 127.0.0.1 mapped into IPv6) */
        boolean loopback() {
            return address.equals("0100007F") || address.equals("00000000000000000000000001000000")
                    || address.equals("0000000000000000FFFF00000100007F");
        }
    }

    /** @return the sockets process {@code pid} listens on */
    static List<Listening> listening(long pid) throws IOException {
        Set<String> inodes = socketInodes(pid);
        List<Listening> found = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            Path file = Path.of("/proc", Long.toString(pid), "net", table);
            if (!Files.isReadable(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                boolean listening = table.startsWith("udp") || "0A".equals(f[3]);
                if (listening && inodes.contains(f[9])) {
                    String[] local = f[1].split(":");
                    found.add(new Listening(table, local[0], Integer.parseInt(local[1], 16), line));
                }
            }
        }
        return found;
    }

    /** The inodes of the sockets the process has open, from {@code /proc/PID/fd}. */
    private static Set<String> socketInodes(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return inodes;
    }
}
