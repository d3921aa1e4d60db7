package keybackup.backup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/** Loads the shared vector files copied unchanged into test/vectors/backup/ (see PROVENANCE.md there). */
public final class Vectors {
    private Vectors() {}

    public static Json.Obj load(String name) {
        try {
            return (Json.Obj) JsonReader.parse(Files.readAllBytes(Path.of("test/vectors/backup", name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JsonException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    public static Json.Obj backup() {
        return load("backup-encryption.json");
    }

    public static Json.Obj recovery() {
        return load("recovery-key.json");
    }

    /** The objects of array {@code field}. */
    public static List<Json.Obj> list(Json.Obj file, String field) {
        List<Json.Obj> out = new ArrayList<>();
        for (Json e : ((Json.Arr) file.get(field)).elements()) out.add((Json.Obj) e);
        if (out.isEmpty()) throw new IllegalStateException(field + ": no cases");
        return out;
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
