package keybackup.homeserver;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Paths of {@link LocalStore}'s directory (layout in its class doc). Security property: versions must be
 * canonical decimal numbers and identifiers become names by {@link LocalFiles#fileName}, so no input can
 * name a path outside the store.
 */
final class LocalLayout {
    private final Path dir;

    LocalLayout(Path dir) {
        this.dir = dir;
    }

    /** The directory of a version; versions are canonical decimal numbers, anything else is unknown. */
    Path versionDirIfValid(String version) {
        if (version == null || !version.matches("[1-9][0-9]{0,17}")) return null;
        return dir.resolve("versions").resolve(version);
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

    /** Highest version number ever created and the current (highest non-deleted) one; 0 for none. */
    Versions versions() throws StoreException {
        long highest = 0;
        long current = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir.resolve("versions"))) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!name.matches("[1-9][0-9]{0,17}")) continue;
                long n = Long.parseLong(name);
                highest = Math.max(highest, n);
                if (Files.exists(d.resolve("info.json")) && !Files.exists(d.resolve("deleted"))) current = Math.max(current, n);
            }
        } catch (IOException e) {
            throw new StoreException("local store: cannot list versions (" + e.getMessage() + ")", e);
        }
        return new Versions(highest, current);
    }
}
