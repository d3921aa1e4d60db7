package keybackup.cli;

import java.security.SecureRandom;
import java.util.List;
import keybackup.backup.SessionData;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.KeyFormatException;

/**
 * Megolm sessions for the demo, made the way a sending device makes one: a random 128-byte ratchet and
 * a fresh Ed25519 key pair, exported at index 0 in the 165-byte session-export format (protocol.md §6.3),
 * with the sender's Curve25519 identity key and claimed Ed25519 key.
 */
final class DemoSessions {
    private DemoSessions() {}

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A sending device: its Curve25519 identity key and Ed25519 fingerprint key (public halves). */
    record Sender(String curve25519, String ed25519) {
        static Sender generate() {
            try (BackupDecryptionKey identity = BackupDecryptionKey.generate(); Ed25519PrivateKey fingerprint = Ed25519PrivateKey.generate()) {
                return new Sender(identity.publicKey().toBase64(), fingerprint.publicKey().toBase64());
            }
        }
    }

    static SessionData newSession(Sender sender, List<String> forwardingChain) throws KeyFormatException {
        byte[] export = new byte[165];
        export[0] = 0x01; // version; bytes 1..4: ratchet index 0
        byte[] ratchet = new byte[128];
        RANDOM.nextBytes(ratchet);
        System.arraycopy(ratchet, 0, export, 5, 128);
        try (Ed25519PrivateKey signing = Ed25519PrivateKey.generate()) {
            System.arraycopy(signing.publicKey().bytes(), 0, export, 133, 32);
        }
        Json.Obj o = Json.obj(
                "algorithm", Json.of("m.megolm.v1.aes-sha2"),
                "forwarding_curve25519_key_chain", Json.arr(forwardingChain.stream().map(Json::of).toList()),
                "sender_claimed_keys", Json.obj("ed25519", Json.of(sender.ed25519())),
                "sender_key", Json.of(sender.curve25519()),
                "session_key", Json.of(Base64Unpadded.encode(export)));
        java.util.Arrays.fill(export, (byte) 0);
        java.util.Arrays.fill(ratchet, (byte) 0);
        return SessionData.from(o);
    }
}
