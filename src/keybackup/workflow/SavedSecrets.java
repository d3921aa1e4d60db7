package keybackup.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;

/**
 * Secrets as Secret Storage held them before a workflow overwrote them for a backup version it was about to
 * create ({@link Enable}, {@link MigrationStart}). Both put them back only when the create request was never
 * sent: once it was, the version may exist although the server does not show it, whatever it answered (a
 * refusal cannot be checked), and putting the previous secrets back would leave that version without its keys
 * ({@link MigrationStart#createNewVersion}).
 *
 * <p>What is kept is the account data exactly as stored (ciphertext): nothing is decrypted.
 */
final class SavedSecrets {
    private final List<String> names;
    private final List<Optional<Json.Obj>> contents;

    private SavedSecrets(List<String> names, List<Optional<Json.Obj>> contents) {
        this.names = names;
        this.contents = contents;
    }

    /** Reads the secrets {@code names} as they are stored now; call it before overwriting any of them. */
    static SavedSecrets of(UnlockedSecretStorage secrets, String... names) throws StoreException {
        List<Optional<Json.Obj>> contents = new ArrayList<>();
        for (String name : names) contents.add(secrets.saved(name));
        return new SavedSecrets(List.of(names), contents);
    }

    /**
     * Whether the server refused a sent create request outright (a 4xx, which is not retried). It may refuse it
     * every time ({@link MigrationRecord#createRefused}); it does not prove that nothing was created, so no
     * secret is put back on its word.
     */
    static boolean refusedOutright(Exception failure) {
        return failure instanceof MatrixException m && m.status() >= 400 && m.status() < 500;
    }

    /**
     * Writes every saved secret back (an absent one as {@code {}}, "deleted").
     *
     * @return null when all were put back, else what failed (a secret may then still hold its new value)
     */
    String putBack(Account account) {
        try {
            UnlockedSecretStorage secrets = account.secrets();
            for (int i = 0; i < names.size(); i++) secrets.restore(names.get(i), contents.get(i));
            return null;
        } catch (StoreException | WorkflowException e) {
            return e.getMessage();
        }
    }
}
