package keybackup.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.ExportedSession;
import keybackup.backup.KeyExportException;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;
import keybackup.keys.KeyFormatException;

/**
 * Fuzz target: {@link EncryptedKeyExport#decrypt(byte[], char[])} throws only {@link KeyExportException}
 * for any file, with the passphrase {@value #PASSPHRASE} of the matrix-rust-sdk files in
 * test/vectors/key-export (seeds); a plaintext that is a JSON array goes through {@link ExportedSession#from}
 * with only {@link KeyFormatException}. Files whose round count this target can read and that ask for more
 * than {@value #MAX_FUZZ_ROUNDS} rounds are skipped, to keep runs fast (the cap itself is the decrypter's
 * first check after the version).
 */
public final class KeyExportFuzz {
    private KeyExportFuzz() {}

    static final String PASSPHRASE = "1234";
    private static final int MAX_FUZZ_ROUNDS = 1000;

    public static void fuzzerTestOneInput(byte[] data) {
        if (rounds(data) > MAX_FUZZ_ROUNDS) return;
        byte[] plaintext;
        try {
            plaintext = EncryptedKeyExport.decrypt(data, PASSPHRASE.toCharArray());
        } catch (KeyExportException e) {
            return; // documented
        }
        try {
            if (!(JsonReader.parse(plaintext) instanceof Json.Arr entries)) return;
            for (Json e : entries.elements()) {
                if (e instanceof Json.Obj o) {
                    try {
                        ExportedSession.from(o);
                    } catch (KeyFormatException ex) {
                        // documented
                    }
                }
            }
        } catch (JsonException e) {
            // documented
        }
    }

    /** The round count of the payload when this simple reading finds one (lines between the armour, base64), else 0. */
    private static long rounds(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int start = text.indexOf(EncryptedKeyExport.HEADER);
        int end = text.indexOf(EncryptedKeyExport.FOOTER);
        if (start < 0 || end < start) return 0;
        String body = text.substring(start + EncryptedKeyExport.HEADER.length(), end).replaceAll("[\\s]", "");
        byte[] payload;
        try {
            payload = Base64.getDecoder().decode(body.length() % 4 == 0 ? body : body + "==".substring(0, (4 - body.length() % 4) % 3));
        } catch (IllegalArgumentException e) {
            return 0;
        }
        if (payload.length < 37) return 0;
        return (payload[33] & 0xffL) << 24 | (payload[34] & 0xff) << 16 | (payload[35] & 0xff) << 8 | (payload[36] & 0xff);
    }
}
