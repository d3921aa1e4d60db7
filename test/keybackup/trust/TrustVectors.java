package keybackup.trust;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;

/** The @alice:localhost identity of protocol.md §13.3 (test/vectors/trust) and the seeds behind it. */
final class TrustVectors {
    private TrustVectors() {}

    static final String USER = "@alice:localhost";
    static final String MASTER = "J+5An10v1vzZpAXTYFokD1/PEVccFnLC61EfRXit0UY";
    static final String SSK = "aU2+2CyXQTCuDcmWW0EL2bhJ6PdjFW2LbAsbHqf02AY";
    static final String DEVICE_KEY = "YI/7vbGVLpGdYtuceQR8MSsKB/QjgfMXM1xqnn+0NWU";
    static final String SIGNING_KEY = "ORLmFSOUA2pdoNycNQS7F8cZVkF/zlPXUyXUyihKzp0";
    static final String BACKUP_PUBLIC_KEY = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo";

    static Json.Obj load(String name) throws Exception {
        return (Json.Obj) JsonReader.parse(Files.readAllBytes(Path.of("test/vectors/trust", name)));
    }

    static Ed25519PublicKey pub(String b64) throws Exception {
        return Ed25519PublicKey.parse("test key", b64);
    }

    static Ed25519PrivateKey seed(String ascii32) throws Exception {
        return Ed25519PrivateKey.fromSeed(ascii32.getBytes(StandardCharsets.US_ASCII));
    }

    static Ed25519PrivateKey masterSeed() throws Exception {
        return seed("doyouspeakwhaaaaaaaaaaaaaaaaaale");
    }

    static Ed25519PrivateKey deviceSeed() throws Exception {
        return seed("deadbeefdeadbeefdeadbeefdeadbeef");
    }

    static Ed25519PrivateKey signingSeed() throws Exception {
        return seed("backupsigningkeybackupsigningkey");
    }

    static OwnIdentity identity() throws Exception {
        return OwnIdentity.fromKeysQuery(USER, load("keys-query-alice.json"));
    }
}
