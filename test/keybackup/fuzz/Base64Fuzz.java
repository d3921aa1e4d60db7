package keybackup.fuzz;

import java.nio.charset.StandardCharsets;
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
        try {
            byte[] b = Base64Unpadded.decode("fuzz", text);
            if (!java.util.Arrays.equals(Base64Unpadded.decode("fuzz", Base64Unpadded.encode(b)), b)) {
                throw new AssertionError("encode then decode changed the bytes");
            }
        } catch (KeyFormatException e) {
            // documented
        }
        try {
            Ed25519PublicKey.parse("fuzz", text).verify(data, new byte[Ed25519PublicKey.SIGNATURE_LENGTH]);
        } catch (KeyFormatException e) {
            // documented
        }
        try {
            Curve25519PublicKey.parse("fuzz", text);
        } catch (KeyFormatException e) {
            // documented
        }
    }
}
