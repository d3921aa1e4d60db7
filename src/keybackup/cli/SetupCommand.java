package keybackup.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import keybackup.workflow.UnlockedSecretStorage;

/**
 * {@code keybackup setup}: a new cross-signing identity, this device and Secret Storage in a new local
 * store (the one command that creates a store).
 */
final class SetupCommand implements Command {
    public String name() { return "setup"; }
    public String summary() { return "local store only: a new identity, device and Secret Storage"; }
    public String usage() {
        return "keybackup setup --user USER_ID [--store DIR] "
                + "--recovery-key-out FILE --device-id ID --device-key-out FILE\n"
                + "Creates, in a local store, what a homeserver account "
                + "already has: a cross-signing identity (master and\n"
                + "self-signing keys, published as /keys/query would), "
                + "this device (cross-signed), and Secret Storage with a\n"
                + "new key holding the cross-signing secrets. Writes the "
                + "Secret Storage recovery key and the device's Ed25519\n"
                + "seed to new files (mode 600) and prints the master key and the device id.";
    }
    public int run(List<String> argv, Io io) throws Exception {
        Args a = new Args(argv, Set.of("user", "store", "recovery-key-out", "device-id", "device-key-out"),
                Set.of());
        String user = StoreOptions.user(a);
        String recoveryOut = a.required("recovery-key-out");
        String deviceId = a.required("device-id");
        String deviceOut = a.required("device-key-out");
        // the one command that creates a store
        LocalStore store = LocalStore.open(StoreOptions.createStore(a.optional("store")), user);
        if (store.getAccountData(SecretStorage.DEFAULT_KEY_TYPE).isPresent()) {
            throw new FailedException("the store already has Secret Storage; not overwriting it");
        }
        try (NewIdentity id = new NewIdentity(user); SecretStorageKey ssKey = SecretStorageKey.generate()) {
            Ed25519PrivateKey device = id.addDevice(deviceId, true);
            UserFiles.writeSecretFile("--recovery-key-out", recoveryOut, ssKey.toRecoveryKey() + "\n");
            byte[] seed = device.exportSeed();
            try {
                UserFiles.writeSecretFile("--device-key-out", deviceOut, Base64Unpadded.encode(seed) + "\n");
            } finally {
                Arrays.fill(seed, (byte) 0);
            }
            try (UnlockedSecretStorage secrets = UnlockedSecretStorage.create(store, ssKey, "keybackup")) {
                secrets.storeSeed(SecretStorage.CROSS_SIGNING_MASTER, id.master());
                secrets.storeSeed(SecretStorage.CROSS_SIGNING_SELF_SIGNING, id.selfSigning());
            }
            store.publishIdentity(id.keysQueryResponse());
            io.println("master key: " + id.master().publicKey().toBase64());
            io.println("device: " + deviceId + " (" + device.publicKey().toBase64() + ")");
        }
        return 0;
    }
}
