package keybackup.homeserver;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import keybackup.json.Json;

/**
 * Paths of {@link LocalStore}'s directory (layout in its class doc). Security property: versions must be
 * canonical decimal numbers and identifiers become names by {@link LocalFiles#fileName}, so no input can
 * name a path outside the store.
 */
final class LocalLayout {
    /**
     * Highest version number: 2^53−1, the largest integer of canonical JSON, so every number fits a JSON
     * integer and {@code highest + 1} cannot overflow. A directory with a larger number is corrupt.
     */
    static final long MAX_VERSION = Json.MAX_INTEGER;
    /** A version directory's name: a canonical decimal number (no sign, no leading zero), at most 16 digits. */
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[1-9][0-9]{0,15}");

    private final Path dir;

    LocalLayout(Path dir) {
        this.dir = dir;
    }

    /** The directory of a version; versions are canonical decimal numbers up to {@link #MAX_VERSION}, anything else is unknown. */
    Path versionDirIfValid(String version) {
        if (number(version) < 0) return null;
        return dir.resolve("versions").resolve(version);
    }

    /** The value of a canonical version number, or −1 when {@code name} is not one. */
    static long number(String name) {
        if (name == null || !NUMBER.matcher(name).matches()) return -1;
        long n = Long.parseLong(name); // at most 16 digits: cannot overflow
        return n <= MAX_VERSION ? n : -1;
    }

    Path versionDir(String version) {
        return Objects.requireNonNull(versionDirIfValid(version), "version");
    }

    Path roomFile(String version, String roomId) {
        return versionDir(version).resolve("rooms").resolve(LocalFiles.fileName(Objects.requireNonNull(roomId, "roomId")));
    }

    Path accountDataFile(String type) {
        if (Objects.requireNonNull(type, "type").isEmpty()) throw new IllegalArgumentException("type: must not be empty");
        return dir.resolve("account_data").resolve(LocalFiles.fileName(type));
    }

    record Versions(long highest, long current) {}

    /**
     * Highest version number ever created and the current (highest non-deleted) one; 0 for none. Entries
     * whose name has no digit first are not versions and are skipped (stray files); a name of digits that is
     * not a canonical number up to {@link #MAX_VERSION} is corrupt: a StoreException naming it.
     */
    Versions versions() throws StoreException {
        long highest = 0;
        long current = 0;
        Path versions = dir.resolve("versions");
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(versions)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (name.isEmpty() || name.charAt(0) < '0' || name.charAt(0) > '9') continue;
                long n = number(name);
                if (n < 0) {
                    throw new StoreException("local store: " + d + " is corrupt: a version number is a decimal number from 1 to " + MAX_VERSION);
                }
                highest = Math.max(highest, n);
                if (Files.exists(d.resolve("info.json")) && !Files.exists(d.resolve("deleted"))) current = Math.max(current, n);
            }
        } catch (IOException e) {
            throw new StoreException("local store: cannot list " + versions + " (" + e.getMessage() + ")", e);
        }
        return new Versions(highest, current);
    }
}
