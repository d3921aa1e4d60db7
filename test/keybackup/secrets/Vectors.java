package keybackup.secrets;

import java.util.Base64;
import java.util.List;
import keybackup.TestVectors;
import keybackup.json.Json;

/** Reads test/vectors/secrets/secret-storage.json (copied unchanged from the shared set; see PROVENANCE.md). */
final class Vectors {
    private Vectors() {}

    static Json.Obj file() {
        return TestVectors.load("secrets/secret-storage.json");
    }

    /** The objects of the array {@code section}. */
    static List<Json.Obj> section(String section) {
        return TestVectors.list(file(), section);
    }

    /** Decodes vector base64 with the JDK (padded or not), independently of the code under test. */
    static byte[] b64(String s) {
        return Base64.getDecoder().decode(s.replace("=", ""));
    }

    static String str(Json.Obj o, String key) {
        String s = o.string(key);
        if (s == null) throw new AssertionError("vector field " + key + " missing");
        return s;
    }

    static long num(Json.Obj o, String key) {
        return ((Json.Int) o.get(key)).value();
    }

    /** Account-data content {@code {"encrypted": {keyId: {iv, ciphertext, mac}}}} from three strings. */
    static Json.Obj content(String keyId, String iv, String ciphertext, String mac) {
        return Json.obj("encrypted", Json.obj(keyId, Json.obj("iv", Json.of(iv), "ciphertext", Json.of(ciphertext),
                "mac", Json.of(mac))));
    }
}
