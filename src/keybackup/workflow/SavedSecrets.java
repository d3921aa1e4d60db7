package keybackup.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;

/**
 * Secrets as Secret Storage held them before a workflow overwrote them for a backup version it was about to
 * create ({@link Enable}, {@link MigrationStart}). {@link Enable} puts them back only when surely no version was
 * created ({@link #nothingCreated}); after any other failure the version may exist although the server does
 * not show it, and putting the previous secrets back would leave it without its keys. A migration puts its
 * signing key back only when the request was never sent, since there keeping the new key loses nothing
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
     * Whether the failure of a create request surely created nothing, for {@link Enable}: the request was never
     * sent ({@code posted} false), or the server refused it outright (a 4xx, which is not retried). This takes
     * the server's word for the 4xx; a migration does not ({@link MigrationStart#createNewVersion}).
     */
    static boolean nothingCreated(boolean posted, Exception failure) {
        boolean refused = failure instanceof MatrixException m && m.status() >= 400 && m.status() < 500;
        return !posted || refused;
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
