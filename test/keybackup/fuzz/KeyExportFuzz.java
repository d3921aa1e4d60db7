package keybackup.fuzz;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.KeyExportException;
import keybackup.workflow.ExportReader;

/**
 * Fuzz target: {@link EncryptedKeyExport#decrypt(byte[], char[])} throws only {@link KeyExportException}
 * for any file, with the passphrase {@value #PASSPHRASE} of the matrix-rust-sdk files in
 * test/vectors/key-export (seeds); a plaintext goes through {@link ExportReader#read} (what upload --keys uses)
 * with only {@link ExportReader.FormatException}. Files whose round count this target can read and that ask for more
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
            // the reader upload --keys uses: streamed, entry by entry
            ExportReader.read(new ByteArrayInputStream(plaintext), s -> { });
        } catch (ExportReader.FormatException e) {
            // documented
        } catch (Exception e) {
            throw new IllegalStateException("undocumented failure of the export reader", e);
        }
    }

    /**
     * The round count in the payload's prefix as this simple reading finds it (the first 52 base64 characters
     * after the header line, blanks skipped), else 0. The decrypter derives its keys as soon as it has the
     * prefix, before it reads the rest, so the footer does not matter here.
     */
    private static long rounds(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int start = text.indexOf(EncryptedKeyExport.HEADER);
        if (start < 0) return 0;
        StringBuilder b64 = new StringBuilder();
        for (int i = start + EncryptedKeyExport.HEADER.length(); i < text.length() && b64.length() < 52; i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
            b64.append(c);
        }
        if (b64.length() < 52) return 0;
        byte[] prefix;
        try {
            prefix = Base64.getDecoder().decode(b64.toString());
        } catch (IllegalArgumentException e) {
            return 0;
        }
        return (prefix[33] & 0xffL) << 24 | (prefix[34] & 0xff) << 16 | (prefix[35] & 0xff) << 8 | (prefix[36] & 0xff);
    }
}
