package keybackup.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.ExportedSession;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;

/**
 * The Java side of {@code interop/key-export/check.sh}, which checks this library's encrypted key
 * export against Element's code (matrix-sdk-crypto-wasm) and an independent Python reader. Run from the
 * project root:
 * <pre>
 * java -cp build/classes:build/test-classes keybackup.interop.KeyExportInterop write OUTDIR PASSFILE COUNT
 * java -cp build/classes:build/test-classes keybackup.interop.KeyExportInterop read FILE PASSFILE
 * </pre>
 * {@code write} makes OUTDIR/plain.json, a key-export array of COUNT entries built from the real
 * sessions of test/vectors/key-export (room IDs varied), and OUTDIR/java-export.txt, its encrypted
 * export streamed with {@link EncryptedKeyExport#MIN_ROUNDS} rounds. {@code read} decrypts FILE (in
 * bounded memory) to stdout, after checking every entry as an {@link ExportedSession}.
 */
public final class KeyExportInterop {
    private KeyExportInterop() {}

    private static final Path VECTORS = Path.of("test/vectors/key-export");

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("write")) {
            write(Path.of(args[1]), passphrase(Path.of(args[2])), Integer.parseInt(args[3]));
        } else if (args.length == 3 && args[0].equals("read")) {
            read(Path.of(args[1]), passphrase(Path.of(args[2])));
        } else {
            System.err.println("usage: KeyExportInterop write OUTDIR PASSFILE COUNT | read FILE PASSFILE");
            System.exit(2);
        }
    }

    private static char[] passphrase(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        return s.toCharArray();
    }

    private static void write(Path dir, char[] pass, int count) throws Exception {
        List<Json.Obj> sessions = new ArrayList<>();
        for (String f : List.of("rust-sdk-key-export.txt", "rust-sdk-timeline-unable-to-decrypt.txt")) {
            byte[] plain = EncryptedKeyExport.decrypt(Files.readAllBytes(VECTORS.resolve(f)), "1234".toCharArray());
            for (Json e : ((Json.Arr) JsonReader.parse(plain)).elements()) sessions.add((Json.Obj) e);
        }
        Files.createDirectories(dir);
        List<Json> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Json.Obj s = sessions.get(i % sessions.size());
            entries.add(s.with("room_id", new Json.Str("!room" + i + ":example.org")));
        }
        byte[] plain = CanonicalJson.encode(new Json.Arr(entries));
        Files.write(dir.resolve("plain.json"), plain);
        try (OutputStream out =
                EncryptedKeyExport.encryptingStream(Files.newOutputStream(dir.resolve("java-export.txt")), pass,
                EncryptedKeyExport.MIN_ROUNDS)) {
            for (int off = 0; off < plain.length; off += 4096) out.write(plain, off,
                    Math.min(4096, plain.length - off));
        }
        Arrays.fill(pass, '\0');
    }

    private static void read(Path file, char[] pass) throws Exception {
        byte[] plain;
        try (InputStream in = EncryptedKeyExport.decrypt(file, pass)) {
            plain = in.readAllBytes();
        } finally {
            Arrays.fill(pass, '\0');
        }
        for (Json e : ((Json.Arr) JsonReader.parse(plain)).elements()) ExportedSession.from((Json.Obj) e);
        System.out.write(plain);
        System.out.flush();
    }
}
