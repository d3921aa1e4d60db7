package keybackup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * The one loader of the JSON vector files under test/vectors (each directory's PROVENANCE.md says where
 * they come from), read with the strict parser. The canonical-JSON and signed-JSON files, which hold
 * inputs the strict parser rightly rejects, are read by {@code keybackup.json.VectorFile} instead.
 */
public final class TestVectors {
    private TestVectors() {}

    /** The vector directory, relative to the project root (the tests' working directory). */
    public static final Path ROOT = Path.of("test/vectors");

    /** The JSON object in {@code test/vectors/<path>}. */
    public static Json.Obj load(String path) {
        try {
            return JsonReader.parseObject(Files.readAllBytes(ROOT.resolve(path)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JsonException e) {
            throw new IllegalStateException(path + ": " + e.getMessage(), e);
        }
    }

    /** The objects of the array {@code field}; a missing or empty array fails (a table that tests nothing). */
    public static List<Json.Obj> list(Json.Obj file, String field) {
        if (!(file.get(field) instanceof Json.Arr arr)) throw new IllegalStateException(field + ": no such array");
        List<Json.Obj> out = new ArrayList<>();
        for (Json e : arr.elements()) out.add((Json.Obj) e);
        if (out.isEmpty()) throw new IllegalStateException(field + ": no cases");
        return out;
    }
}
