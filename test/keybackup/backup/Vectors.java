package keybackup.backup;

import java.nio.charset.StandardCharsets;
import java.util.List;
import keybackup.TestVectors;
import keybackup.json.Json;

/** Loads the shared vector files copied unchanged into test/vectors/backup/ (see PROVENANCE.md there). */
public final class Vectors {
    private Vectors() {}

    public static Json.Obj load(String name) {
        return TestVectors.load("backup/" + name);
    }

    public static Json.Obj backup() {
        return load("backup-encryption.json");
    }

    public static Json.Obj recovery() {
        return load("recovery-key.json");
    }

    /** The objects of array {@code field}. */
    public static List<Json.Obj> list(Json.Obj file, String field) {
        return TestVectors.list(file, field);
    }

    /** The entry of {@code keys} named {@code name}. */
    public static Json.Obj key(Json.Obj file, String name) {
        for (Json.Obj k : list(file, "keys")) {
            if (k.string("name").equals(name)) return k;
        }
        throw new IllegalStateException("no key " + name);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
