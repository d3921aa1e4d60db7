package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import keybackup.backup.EncryptedKeyExport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upload --keys}: once {@link ExportFiles#keys} returned, the keys of the export are derived and no
 * passphrase is held any more (not the export's, typed or from a file, nor a plain stdin's one-time one), for a
 * file as for standard input; both walks still read the export.
 */
class KeyFilePassphraseTest {
    private static final Path RUST_SDK_EXPORT = Path.of("test/vectors/key-export/rust-sdk-key-export.txt");

    @TempDir
    Path dir;

    /** Every {@code char[]} held by {@code o} or by an object of this package it holds, one level down. */
    private static List<char[]> charArrays(Object o, int depth) throws Exception {
        List<char[]> found = new ArrayList<>();
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                f.setAccessible(true);
                Object v = f.get(o);
                if (v instanceof char[] chars) {
                    found.add(chars);
                } else if (v != null && depth > 0 && v.getClass().getPackageName().equals("keybackup.cli")) {
                    found.addAll(charArrays(v, depth - 1));
                }
            }
        }
        return found;
    }

    private static boolean allZero(char[] c) {
        for (char x : c) if (x != 0) return false;
        return true;
    }

    private ExportFiles.KeyFile keys(String path, byte[] stdin) throws Exception {
        Path passFile = Files.writeString(dir.resolve("p.txt"), "1234\n");
        Args a = new Args(List.of("--" + ExportFiles.PASSPHRASE_OPTION, passFile.toString()),
                Set.of(ExportFiles.PASSPHRASE_OPTION), Set.of());
        Io io = new Io(new ByteArrayInputStream(stdin), new ByteArrayOutputStream(), new ByteArrayOutputStream());
        return ExportFiles.keys("--keys", path, a, io);
    }

    private static void assertHoldsNoPassphraseAndWalksTwice(ExportFiles.KeyFile k) throws Exception {
        for (char[] c : charArrays(k, 1)) assertTrue(allZero(c), "a passphrase is still held: " + c.length + " chars");
        for (int walk = 0; walk < 2; walk++) {
            int[] n = {0};
            k.sessions().forEach(s -> n[0]++);
            assertEquals(1, n[0]);
        }
    }

    @Test
    void encryptedFile_noPassphraseHeld() throws Exception {
        try (ExportFiles.KeyFile k = keys(RUST_SDK_EXPORT.toString(), new byte[0])) {
            assertHoldsNoPassphraseAndWalksTwice(k);
        }
    }

    @Test
    void encryptedStdin_noPassphraseHeld() throws Exception {
        try (ExportFiles.KeyFile k = keys("-", Files.readAllBytes(RUST_SDK_EXPORT))) {
            assertHoldsNoPassphraseAndWalksTwice(k);
        }
    }

    @Test
    void plainStdin_oneTimePassphraseWiped() throws Exception {
        byte[] plain = EncryptedKeyExport.decrypt(Files.readAllBytes(RUST_SDK_EXPORT), "1234".toCharArray());
        try (ExportFiles.KeyFile k = keys("-", plain)) {
            assertFalse(charArrays(k, 1).isEmpty(), "the spool's one-time passphrase is looked at");
            assertHoldsNoPassphraseAndWalksTwice(k);
        }
    }
}
