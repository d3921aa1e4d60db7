package keybackup.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.KeyFormatException;

/**
 * Fuzz target: {@link Base64Unpadded#decode}, {@link Ed25519PublicKey#parse} and
 * {@link Curve25519PublicKey#parse} throw only {@link KeyFormatException}; what decodes re-encodes to
 * base64 that decodes to the same bytes.
 */
public final class Base64Fuzz {
    private Base64Fuzz() {}

    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Documented.allow(KeyFormatException.class, () -> {
            byte[] b = Base64Unpadded.decode("fuzz", text);
            if (!Arrays.equals(Base64Unpadded.decode("fuzz", Base64Unpadded.encode(b)), b)) {
                throw new AssertionError("encode then decode changed the bytes");
            }
        });
        Documented.allow(KeyFormatException.class,
                () -> Ed25519PublicKey.parse("fuzz", text).verify(data, new byte[Ed25519PublicKey.SIGNATURE_LENGTH]));
        Documented.allow(KeyFormatException.class, () -> Curve25519PublicKey.parse("fuzz", text));
    }
}
