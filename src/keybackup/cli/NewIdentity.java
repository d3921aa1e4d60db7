package keybackup.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;

/**
 * A fresh cross-signing identity for a user of the local store (the {@code setup} command and the demo): a
 * master key, a self-signing key signed by it, and devices, each self-signed and optionally cross-signed.
 * Produces the {@code /keys/query} response a homeserver would publish. Holds private keys: close it when
 * done. Not API: a stand-in for what a real client creates, kept out of the exported packages.
 */
public final class NewIdentity implements AutoCloseable {
    private final String userId;
    private final Ed25519PrivateKey master = Ed25519PrivateKey.generate();
    private final Ed25519PrivateKey selfSigning = Ed25519PrivateKey.generate();
    private final Map<String, Ed25519PrivateKey> deviceKeys = new LinkedHashMap<>();
    private final Map<String, Json.Obj> devices = new LinkedHashMap<>();

    public NewIdentity(String userId) {
        this.userId = userId;
    }

    public String userId() {
        return userId;
    }

    public Ed25519PrivateKey master() {
        return master;
    }

    public Ed25519PrivateKey selfSigning() {
        return selfSigning;
    }

    /** Adds a device with a new Ed25519 key; {@code crossSign} adds the self-signing key's signature. */
    public Ed25519PrivateKey addDevice(String deviceId, boolean crossSign) {
        Ed25519PrivateKey key = Ed25519PrivateKey.generate();
        String curve;
        // an X25519 key pair, as a device's identity key
        try (BackupDecryptionKey identityKey = BackupDecryptionKey.generate()) {
            Curve25519PublicKey pub = identityKey.publicKey();
            curve = pub.toBase64();
        }
        Json.Obj d = Json.obj(
                "user_id", Json.of(userId),
                "device_id", Json.of(deviceId),
                "algorithms",
                Json.arr(List.of(Json.of("m.olm.v1.curve25519-aes-sha2"), Json.of("m.megolm.v1.aes-sha2"))),
                "keys", Json.obj("curve25519:" + deviceId, Json.of(curve),
                        "ed25519:" + deviceId, Json.of(key.publicKey().toBase64())));
        d = SignedJson.sign(d, userId, "ed25519:" + deviceId, key);
        if (crossSign) d = SignedJson.sign(d, userId, "ed25519:" + selfSigning.publicKey().toBase64(), selfSigning);
        deviceKeys.put(deviceId, key);
        devices.put(deviceId, d);
        return key;
    }

    public Ed25519PrivateKey deviceKey(String deviceId) {
        return deviceKeys.get(deviceId);
    }

    private Json.Obj crossSigningKey(Ed25519PrivateKey key, String usage) {
        String pub = key.publicKey().toBase64();
        Json.Obj o = Json.obj("user_id", Json.of(userId), "usage", Json.arr(List.of(Json.of(usage))),
                "keys", Json.obj("ed25519:" + pub, Json.of(pub)));
        return SignedJson.sign(o, userId, "ed25519:" + master.publicKey().toBase64(), master);
    }

    /** The {@code POST /keys/query} response for this user. */
    public Json.Obj keysQueryResponse() {
        Map<String, Json> devs = new LinkedHashMap<>(devices);
        return Json.obj(
                "failures", Json.obj(),
                "device_keys", Json.obj(userId, new Json.Obj(devs)),
                "master_keys", Json.obj(userId, crossSigningKey(master, "master")),
                "self_signing_keys", Json.obj(userId, crossSigningKey(selfSigning, "self_signing")));
    }

    @Override
    public void close() {
        master.close();
        selfSigning.close();
        deviceKeys.values().forEach(Ed25519PrivateKey::close);
    }
}
